package tfevents

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/internal/tfevents/readback"
)

// TestMaskedCRC: CRC32C's check value (of "123456789") is e3069283;
// masked as TFRecord does it is c78ab0e5.
func TestMaskedCRC(t *testing.T) {
	if got := maskedCRC([]byte("123456789")); got != 0xc78ab0e5 {
		t.Errorf("masked CRC32C of 123456789 = %08x, want c78ab0e5", got)
	}
}

var t0 = time.Date(2026, 11, 29, 5, 30, 0, 250_000_000, time.UTC)

// writeResumed writes a resumed run's file: a SessionLog START at step
// 7, then a scalar there.
func writeResumed(t *testing.T, dir string) string {
	t.Helper()
	w, err := Create(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteSessionStart(t0, 7); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(t0.Add(time.Second), 7, Value{Tag: "batch_loss", Scalar: 0.5}); err != nil {
		t.Fatal(err)
	}
	return w.Path()
}

// TestSessionStart: a resumed file holds file_version, then the START
// event at its step, then the values (readback checks the wire types).
func TestSessionStart(t *testing.T) {
	events, err := readback.ReadFile(writeResumed(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[1].SessionStatus != 1 || events[1].Step != 7 || len(events[1].Values) != 0 ||
		events[0].SessionStatus != 0 || events[2].SessionStatus != 0 {
		t.Errorf("events %+v, want file_version, SessionLog START at step 7, a scalar", events)
	}
}

// writeSample writes a file with scalars at two steps and a histogram.
func writeSample(t *testing.T, dir string, values []float32) string {
	t.Helper()
	w, err := Create(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	h := NewHistogram(values)
	steps := []struct {
		step int64
		vs   []Value
	}{
		{0, []Value{{Tag: "epoch_loss", Scalar: 2.25}, {Tag: "epoch_accuracy", Scalar: 0}}},
		{7, []Value{{Tag: "epoch_loss", Scalar: 1.5}, {Tag: "dense/kernel/histogram", Histogram: &h}}},
	}
	for _, s := range steps {
		if err := w.Write(t0.Add(time.Second), s.step, s.vs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.Path()
}

func TestWriteReadBack(t *testing.T) {
	values := []float32{-3, -0.5, 0, 0, 1e-13, 0.1, 0.1, 2, 1e30, float32(math.NaN())}
	path := writeSample(t, t.TempDir(), values)
	host, _ := os.Hostname()
	if name := filepath.Base(path); name != "events.out.tfevents.1795930200."+host {
		t.Errorf("file name %s", name)
	}
	events, err := readback.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	first := events[0]
	if first.FileVersion != "brain.Event:2" || first.SourceWriter != "cnnscope" || first.WallTime != 1795930200.25 || len(first.Values) != 0 {
		t.Errorf("first event %+v", first)
	}
	e1, e2 := events[1], events[2]
	if e1.Step != 0 || e2.Step != 7 || e1.WallTime != 1795930201.25 || len(e1.Values) != 2 || len(e2.Values) != 2 {
		t.Fatalf("events %+v %+v", e1, e2)
	}
	for _, c := range []struct {
		v    readback.Value
		tag  string
		want float32
	}{{e1.Values[0], "epoch_loss", 2.25}, {e1.Values[1], "epoch_accuracy", 0}, {e2.Values[0], "epoch_loss", 1.5}} {
		if c.v.Tag != c.tag || !c.v.HasScalar || c.v.Scalar != c.want || c.v.Histogram != nil {
			t.Errorf("value %+v, want %s = %v", c.v, c.tag, c.want)
		}
	}
	hv := e2.Values[1]
	if hv.Tag != "dense/kernel/histogram" || hv.HasScalar || hv.Histogram == nil {
		t.Fatalf("histogram value %+v", hv)
	}
	checkHistogram(t, hv.Histogram, values)
}

// checkHistogram checks a decoded histogram against the values: the
// statistics of the finite ones, and each bucket's count recounted from
// its edges ([previous limit, limit), the first from -DBL_MAX).
func checkHistogram(t *testing.T, h *readback.Histogram, values []float32) {
	t.Helper()
	var finite []float64
	var sum, sq float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range values {
		if v := float64(f); !math.IsNaN(v) && !math.IsInf(v, 0) {
			finite = append(finite, v)
			sum, sq = sum+v, sq+v*v
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if h.Num != float64(len(finite)) || h.Min != lo || h.Max != hi || h.Sum != sum || h.SumSquares != sq {
		t.Errorf("histogram num %v min %v max %v sum %v sum_squares %v; want %d %v %v %v %v",
			h.Num, h.Min, h.Max, h.Sum, h.SumSquares, len(finite), lo, hi, sum, sq)
	}
	if n := len(h.BucketLimit); n == 0 || h.BucketLimit[n-1] != math.MaxFloat64 {
		t.Fatalf("bucket limits %v: want the last to be DBL_MAX", h.BucketLimit)
	}
	left := -math.MaxFloat64
	for i, limit := range h.BucketLimit {
		if limit <= left {
			t.Errorf("bucket %d: limit %v not above %v", i, limit, left)
		}
		n := 0
		for _, v := range finite {
			if v >= left && v < limit {
				n++
			}
		}
		if h.Bucket[i] != float64(n) {
			t.Errorf("bucket %d [%v, %v): count %v, want %d", i, left, limit, h.Bucket[i], n)
		}
		if i > 0 && h.Bucket[i] == 0 && h.Bucket[i-1] == 0 {
			t.Errorf("buckets %d and %d are both empty: want them merged", i-1, i)
		}
		left = limit
	}
}

// TestMutatedByte: changing any one byte of a file makes the reader
// fail (a CRC mismatch, or a length that runs past the end), never read
// different values.
func TestMutatedByte(t *testing.T) {
	path := writeSample(t, t.TempDir(), []float32{1, 2, 3})
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readback.Records(good); err != nil {
		t.Fatal(err)
	}
	crcErrors := 0
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x10
		_, err := readback.Records(bad)
		if err == nil {
			t.Fatalf("byte %d changed: no error", i)
		}
		if strings.Contains(err.Error(), "CRC mismatch") {
			crcErrors++
		}
	}
	if crcErrors < len(good)*9/10 {
		t.Errorf("%d of %d mutations reported as CRC mismatches", crcErrors, len(good))
	}
	if _, err := readback.Records(good[:len(good)-1]); err == nil {
		t.Error("a truncated last record reads without error")
	}
}

// TestFileNames: a second file of the same second gets a suffix.
func TestFileNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	var paths []string
	for range 3 {
		w, err := Create(dir, t0)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Base(w.Path()))
		w.Close()
	}
	re := regexp.MustCompile(`^events\.out\.tfevents\.1795930200\.[^/]+$`)
	if !re.MatchString(paths[0]) || paths[1] != paths[0]+".2" || paths[2] != paths[0]+".3" {
		t.Errorf("file names %v", paths)
	}
}

func TestDefaultLimits(t *testing.T) {
	n := len(defaultLimits)
	if n%2 != 1 || defaultLimits[n/2] != 0 || defaultLimits[0] != -math.MaxFloat64 || defaultLimits[n-1] != math.MaxFloat64 {
		t.Fatalf("%d limits, middle %v, ends %v %v", n, defaultLimits[n/2], defaultLimits[0], defaultLimits[n-1])
	}
	if defaultLimits[n/2+1] != 1e-12 || defaultLimits[n-2] < 1e20/1.1 || defaultLimits[n-2] >= 1e20 {
		t.Errorf("limits from %v to %v, want 1e-12 to just below 1e20", defaultLimits[n/2+1], defaultLimits[n-2])
	}
	for i := 1; i < n; i++ {
		if defaultLimits[i] <= defaultLimits[i-1] || defaultLimits[i] != -defaultLimits[n-1-i] {
			t.Fatalf("limit %d: %v after %v (mirror %v)", i, defaultLimits[i], defaultLimits[i-1], defaultLimits[n-1-i])
		}
	}
}

func TestEmptyHistogram(t *testing.T) {
	h := NewHistogram([]float32{float32(math.Inf(1)), float32(math.NaN())})
	if h.Num != 0 || h.Min != 0 || h.Max != 0 || len(h.Limits) != 1 || h.Counts[0] != 0 {
		t.Errorf("%+v", h)
	}
}

func TestCheckDir(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", file, filepath.Join(file, "tb")} {
		if err := CheckDir(bad); err == nil {
			t.Errorf("CheckDir(%q): no error", bad)
		}
	}
	for _, good := range []string{tmp, filepath.Join(tmp, "new", "tb")} {
		if err := CheckDir(good); err != nil {
			t.Errorf("CheckDir(%q): %v", good, err)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("CheckDir left %d entries in %s, want only the file", len(entries), tmp)
	}
}
