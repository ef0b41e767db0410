package tfevents

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cnnscope/cnnscope/internal/tfevents/readback"
)

// pyEvent is an event as testdata/read_events.py prints it.
type pyEvent struct {
	WallTime    float64   `json:"wall_time"`
	Step        int64     `json:"step"`
	FileVersion string    `json:"file_version"`
	Writer      string    `json:"writer"`
	Session     int       `json:"session_status"`
	Values      []pyValue `json:"values"`
}

type pyValue struct {
	Tag         string    `json:"tag"`
	Kind        string    `json:"kind"`
	SimpleValue float32   `json:"simple_value"`
	Min         float64   `json:"min"`
	Max         float64   `json:"max"`
	Num         float64   `json:"num"`
	Sum         float64   `json:"sum"`
	SumSquares  float64   `json:"sum_squares"`
	BucketLimit []float64 `json:"bucket_limit"`
	Bucket      []float64 `json:"bucket"`
}

// TestGoogleProtobufReads reads a written file with Google's protobuf
// runtime (Debian's python3-protobuf, which python3-onnx brings in CI):
// the Event descriptor is built in the script from TensorBoard's field
// numbers, the CRCs are checked by its own CRC32C, and every record must
// parse with no unknown field and re-serialize to the same bytes. Its
// events must equal readback's.
func TestGoogleProtobufReads(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import google.protobuf").Run(); err != nil {
		t.Skip("needs /usr/bin/python3 with google.protobuf (Debian: apt-get install python3-protobuf)")
	}
	dir := t.TempDir()
	for _, path := range []string{writeSample(t, dir, []float32{-3, -0.5, 0, 0, 1e-13, 0.1, 0.1, 2, 1e30}), writeResumed(t, dir)} {
		comparePython(t, path)
	}
}

func comparePython(t *testing.T, path string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("/usr/bin/python3", filepath.Join("testdata", "read_events.py"), path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("read_events.py: %v: %s", err, stderr.String())
	}
	var got []pyEvent
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var e pyEvent
		if err := dec.Decode(&e); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	events, err := readback.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(asPy(events), got); diff != "" {
		t.Errorf("Google's protobuf vs readback (-readback +protobuf):\n%s", diff)
	}
}

// asPy puts readback's events in the script's form.
func asPy(events []readback.Event) []pyEvent {
	var out []pyEvent
	for _, e := range events {
		pe := pyEvent{WallTime: e.WallTime, Step: e.Step, FileVersion: e.FileVersion, Writer: e.SourceWriter, Session: e.SessionStatus, Values: []pyValue{}}
		for _, v := range e.Values {
			pv := pyValue{Tag: v.Tag, Kind: "simple_value", SimpleValue: v.Scalar}
			if h := v.Histogram; h != nil {
				pv = pyValue{Tag: v.Tag, Kind: "histo", Min: h.Min, Max: h.Max, Num: h.Num, Sum: h.Sum, SumSquares: h.SumSquares,
					BucketLimit: h.BucketLimit, Bucket: h.Bucket}
			}
			pe.Values = append(pe.Values, pv)
		}
		out = append(out, pe)
	}
	return out
}
