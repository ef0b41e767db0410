package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// TestExportWritesOnnx: export writes RUN_DIR/model.onnx (or --out) with
// the classes and preprocessing in it; bad flags and a missing model are
// exit 2 with one line. (onnx's own tests run the files in onnxruntime.)
func TestExportWritesOnnx(t *testing.T) {
	dir := testmodel.TinyCNN(t)
	code, stdout, stderr := runCLI("export", dir, "--format", "onnx")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cnnscope.classes", `["a","b","c"]`, "cnnscope.preprocessing", `"rescale":0.003921569`, "NHWC"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("model.onnx lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "model.onnx") || !strings.Contains(stdout, "opset 13") {
		t.Errorf("stdout %q: want the file and its opset", stdout)
	}
	out := filepath.Join(t.TempDir(), "m.onnx")
	if code, _, stderr := runCLI("export", "--layout", "nchw", "--opset", "17", "--out", out, dir); code != 0 {
		t.Fatalf("nchw: exit %d: %s", code, stderr)
	}
	if nchw, _ := os.ReadFile(out); !bytes.Contains(nchw, []byte("NCHW")) {
		t.Errorf("--layout nchw: the file does not say NCHW")
	}
	for _, args := range [][]string{
		{"export", dir, "--format", "tflite"},
		{"export", dir, "--layout", "chwn"},
		{"export", dir, "--opset", "7"},
		{"export", filepath.Join(dir, "missing")},
		{"export"},
	} {
		code, _, stderr := runCLI(args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q: want 2 and one line", args, code, stderr)
		}
	}
}
