package safetensors

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/cnnscope.safetensors")

// testdataTensors is the content of testdata/cnnscope.safetensors; the
// same content is built with numpy in testdata/python_check.py.
func testdataTensors() ([]Raw, map[string]string) {
	f32 := func(vals []float32) []byte {
		b := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	kernel := make([]float32, 18)
	for i := range kernel {
		kernel[i] = float32(i)*0.5 - 4
	}
	dense := make([]float32, 6)
	for i := range dense {
		dense[i] = float32(i) / 8
	}
	return []Raw{
		{"conv2d/kernel", F32, []int{3, 3, 1, 2}, f32(kernel)},
		{"conv2d/bias", F32, []int{2}, f32([]float32{0.25, -0.75})},
		{"dense/kernel", F32, []int{2, 3}, f32(dense)},
		{"step", I64, []int{}, binary.LittleEndian.AppendUint64(nil, 1234)},
		{"half", F16, []int{3}, []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38}},
		{"mask", U8, []int{2, 2}, []byte{1, 0, 0, 1}},
	}, map[string]string{"format": "cnnscope"}
}

// TestTestdataFiles pins the writer's output to the committed file that
// python_check.py reads with the reference Python library, and checks
// the file that library wrote from the same content, when present.
func TestTestdataFiles(t *testing.T) {
	raw, md := testdataTensors()
	var buf bytes.Buffer
	if err := WriteRaw(&buf, raw, md); err != nil {
		t.Fatal(err)
	}
	const ours = "testdata/cnnscope.safetensors"
	if *update {
		if err := os.WriteFile(ours, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(ours)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("writer output differs from %s (run with -update if the change is meant)", ours)
	}

	const theirs = "testdata/python.safetensors"
	py, err := os.ReadFile(theirs)
	if os.IsNotExist(err) {
		t.Skipf("%s not present: run testdata/python_check.py where Python's safetensors is installed", theirs)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(py, buf.Bytes()) {
		t.Errorf("%s (Python's safetensors) and our writer's output differ:\n py  %q\n ours %q", theirs, py, buf.Bytes())
	}
	f, err := ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		got, ok := f.Lookup(r.Name)
		if !ok || got.DType != r.DType || fmtShape(got.Shape) != fmtShape(r.Shape) || !bytes.Equal(got.Data, r.Data) {
			t.Errorf("%s: tensor %q = %+v, want %+v", theirs, r.Name, got, r)
		}
	}
	if f.Metadata["format"] != "cnnscope" {
		t.Errorf("%s: metadata %v", theirs, f.Metadata)
	}
	if x := f.Tensors["half"]; x == nil || x.Data[0] != 1 || x.Data[1] != -2 || x.Data[2] != 0.5 {
		t.Errorf("%s: F16 tensor half read as %v", theirs, x)
	}
}
