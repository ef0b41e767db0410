package safetensors

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cnnscope/cnnscope/tensor"
)

func randomTensor(r *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	return x
}

func sameTensor(a, b *tensor.Tensor) bool {
	if !a.Shape.Equal(b.Shape) || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	special := tensor.FromData([]float32{
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32,
	}, 2, 3)
	tensors := []Named{
		{"conv2d/kernel", randomTensor(r, 3, 3, 1, 32)},
		{"conv2d/bias", randomTensor(r, 32)},
		{"dense/kernel", randomTensor(r, 5408, 10)}, // larger than the encode scratch
		{"scalar", tensor.FromData([]float32{7}) /* shape () */},
		{"empty", tensor.New(0, 3)},
		{"special", special},
		{`odd "name"\ with ✓ and a tab	and control` + "\x01", randomTensor(r, 2)},
	}
	metadata := map[string]string{"format": "cnnscope", "classes": `["0","1"]`, "ünïcode": "\n\t\"<&>\u2028"}

	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, buf.Bytes()) {
		t.Error("WriteFile and Write produced different bytes")
	}

	check := func(how string, f *File, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if len(f.Tensors) != len(tensors) || len(f.Raw) != len(tensors) {
			t.Fatalf("%s: %d tensors, %d raw, want %d", how, len(f.Tensors), len(f.Raw), len(tensors))
		}
		for _, nt := range tensors {
			got, err := f.Tensor(nt.Name)
			if err != nil {
				t.Errorf("%s: %v", how, err)
				continue
			}
			if !sameTensor(got, nt.Tensor) {
				t.Errorf("%s: tensor %q differs", how, nt.Name)
			}
		}
		if len(f.Metadata) != len(metadata) {
			t.Errorf("%s: metadata %v, want %v", how, f.Metadata, metadata)
		}
		for k, v := range metadata {
			if f.Metadata[k] != v {
				t.Errorf("%s: metadata[%q] = %q, want %q", how, k, f.Metadata[k], v)
			}
		}
		// Names in the buffer are in byte order (all F32).
		if !slices.IsSortedFunc(f.Raw, func(a, b Raw) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: buffer order is not name order", how)
		}
	}
	f, err := ReadFile(path)
	check("ReadFile", f, err)
	f, err = Read(iotest.OneByteReader(bytes.NewReader(buf.Bytes())))
	check("Read", f, err)
	f, err = Parse(buf.Bytes())
	check("Parse", f, err)

	// The header is padded to 8 bytes, so the data (and every F32
	// tensor) starts 8-byte aligned.
	if n := int(buf.Bytes()[0]) | int(buf.Bytes()[1])<<8; n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}

	// Deterministic: the same input writes the same bytes.
	var again bytes.Buffer
	if err := Write(&again, slices.Clone(tensors), metadata); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("two writes of the same tensors differ")
	}
}

func TestWriteDoesNotReorderCallersSlice(t *testing.T) {
	tensors := []Named{{"b", f32s(1)}, {"a", f32s(2)}}
	if err := Write(&bytes.Buffer{}, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if tensors[0].Name != "b" {
		t.Error("Write reordered the caller's slice")
	}
}

func TestWriteRejects(t *testing.T) {
	bad := &tensor.Tensor{Shape: tensor.Shape{2, 2}, Data: []float32{1, 2, 3}}
	tests := []struct {
		name     string
		named    []Named
		raw      []Raw
		metadata map[string]string
		want     string
	}{
		{name: "nil tensor", named: []Named{{"w", nil}}, want: `tensor "w": nil tensor`},
		{name: "short data", named: []Named{{"w", bad}}, want: `tensor "w": 3 values do not fill shape [2,2] (4 elements)`},
		{name: "duplicate", named: []Named{{"w", f32s(1)}, {"w", f32s(2)}}, want: `tensor "w" appears twice`},
		{name: "reserved", named: []Named{{"__metadata__", f32s(1)}}, want: `reserved for metadata`},
		{name: "bad utf8 name", named: []Named{{"\xff", f32s(1)}}, want: `not valid UTF-8`},
		{name: "bad utf8 metadata", metadata: map[string]string{"k": "\xfe"}, want: `metadata "k": key and value must be valid UTF-8`},
		{name: "negative dim", raw: []Raw{{"r", U8, []int{-1}, nil}}, want: `tensor "r": negative dimension in shape [-1]`},
		{name: "unknown dtype", raw: []Raw{{"r", "F12", []int{1}, []byte{0}}}, want: `tensor "r": unknown dtype "F12"`},
		{name: "raw size", raw: []Raw{{"r", I64, []int{2}, make([]byte, 15)}}, want: `tensor "r": 15 bytes of data do not match I64 shape [2] (16 bytes)`},
		{name: "sub-byte", raw: []Raw{{"r", F4, []int{3}, make([]byte, 2)}}, want: `not a whole number of bytes`},
		{name: "overflow", raw: []Raw{{"r", U8, []int{math.MaxInt, 2}, nil}}, want: `overflows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.raw != nil {
				err = WriteRaw(&bytes.Buffer{}, tt.raw, tt.metadata)
			} else {
				err = Write(&bytes.Buffer{}, tt.named, tt.metadata)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := WriteFile(path, []Named{{"w", f32s(1, 2, 3)}}, nil); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	err := WriteFile(path, []Named{{"w", nil}}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("err = %v, want one starting with the path", err)
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(old, now) {
		t.Error("a failed WriteFile changed the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed write, want 1", len(entries))
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteReportsIOErrors(t *testing.T) {
	x := randomTensor(rand.New(rand.NewPCG(3, 4)), 100000)
	for _, n := range []int{0, 5, 100, 70000, 300000} {
		err := Write(&failWriter{n: n}, []Named{{"w", x}}, nil)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("writer failing after %d bytes: err = %v", n, err)
		}
	}
}
