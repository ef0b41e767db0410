package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/testmodel"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/onnx"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestImportRoundTrip: export then import gives a model folder that
// predicts as the original, with its classes and preprocessing; an
// unsupported op and a non-empty --out are exit 2 with nothing written.
func TestImportRoundTrip(t *testing.T) {
	dir := testmodel.TinyCNN(t)
	file := filepath.Join(t.TempDir(), "m.onnx")
	if code, _, stderr := runCLI("export", dir, "--out", file); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "imported")
	code, stdout, stderr := runCLI("import", file, "--out", out)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, out) {
		t.Errorf("stdout %q does not name the folder", stdout)
	}
	a, af, err := modelfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, bf, err := modelfile.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(bf.Classes, ",") != strings.Join(af.Classes, ",") || bf.Preprocessing.Rescale != af.Preprocessing.Rescale {
		t.Errorf("imported classes %v, preprocessing %+v; want %v, %+v", bf.Classes, bf.Preprocessing, af.Classes, af.Preprocessing)
	}
	x := tensor.New(4, 16, 24, 1)
	for i := range x.Data {
		x.Data[i] = float32(i%97) / 97
	}
	want := append([]float32(nil), a.Forward(x, false).Data...)
	got := b.Forward(x, false).Data
	for i := range want {
		if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("output %d: imported %g, original %g", i, got[i], want[i])
		}
	}

	if code, _, stderr := runCLI("import", file, "--out", out); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("non-empty --out: exit %d, %q", code, stderr)
	}
	m, _, err := modelfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := onnx.Convert(m, onnx.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pm.Graph.Nodes[2].Op = "LpPool"
	bad := filepath.Join(t.TempDir(), "bad.onnx")
	if err := os.WriteFile(bad, pm.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	badOut := filepath.Join(t.TempDir(), "never")
	code, _, stderr = runCLI("import", bad, "--out", badOut)
	if code != 2 || !strings.Contains(stderr, "op LpPool is not supported") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("unsupported op: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(badOut); !os.IsNotExist(err) {
		t.Errorf("unsupported op: %s was written", badOut)
	}
}

// TestExportGraphRunDir: a functional model's folder (resnet-20) exports,
// and the file imports back to the same predictions.
func TestExportGraphRunDir(t *testing.T) {
	g := nn.ResNet20(tensor.Shape{32, 32, 3}, 4)
	if err := g.Build(2); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pp := data.Preprocess{Rescale: 1.0 / 255}
	if err := modelfile.Save(dir, g, []string{"a", "b", "c", "d"}, &pp, "sparse_categorical_crossentropy", "bilinear"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "resnet.onnx")
	if code, _, stderr := runCLI("export", dir, "--out", file, "--layout", "nchw"); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	im, err := onnx.Import(b, onnx.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(3, 32, 32, 3)
	for i := range x.Data {
		x.Data[i] = float32(i%251) / 251
	}
	want := append([]float32(nil), g.Forward(x, false).Data...)
	got := im.Model.Forward(x, false).Data
	for i := range want {
		if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("output %d: imported %g, original %g", i, got[i], want[i])
		}
	}
}

// TestImportKeepsInterpolation: import resizes new images as the exported
// model did (cnnscope.interpolation; nearest, cnnscope's default, when the
// model named none) unless --interpolation says otherwise; an unknown
// --interpolation is exit 2 with nothing written.
func TestImportKeepsInterpolation(t *testing.T) {
	for _, c := range []struct{ saved, flag, want string }{
		{"", "", "nearest"}, {"bicubic", "", "bicubic"}, {"nearest", "bilinear", "bilinear"},
	} {
		m := nn.NewSequential(tensor.Shape{8, 8, 1}, &nn.Flatten{}, &nn.Dense{Units: 2, Activation: "softmax"})
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := modelfile.Save(dir, m, []string{"a", "b"}, &data.Preprocess{Rescale: 1.0 / 255}, "sparse_categorical_crossentropy", c.saved); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "m.onnx")
		if code, _, stderr := runCLI("export", dir, "--out", file); code != 0 {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
		out := filepath.Join(t.TempDir(), "imported")
		args := []string{"import", file, "--out", out}
		if c.flag != "" {
			args = append(args, "--interpolation", c.flag)
		}
		if code, _, stderr := runCLI(args...); code != 0 {
			t.Fatalf("import %v: exit %d: %s", args, code, stderr)
		}
		_, mf, err := modelfile.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if mf.Interpolation != c.want {
			t.Errorf("saved %q, --interpolation %q: imported interpolation %q, want %q", c.saved, c.flag, mf.Interpolation, c.want)
		}
		if c.saved == "bicubic" {
			never := filepath.Join(t.TempDir(), "never")
			code, _, stderr := runCLI("import", file, "--out", never, "--interpolation", "lanczos")
			if code != 2 || !strings.Contains(stderr, "--interpolation") {
				t.Errorf("--interpolation lanczos: exit %d, %q", code, stderr)
			}
			if _, err := os.Stat(never); !os.IsNotExist(err) {
				t.Errorf("--interpolation lanczos: %s was written", never)
			}
		}
	}
}

// TestImportSaysWhatItAssumed: an ONNX file without cnnscope's metadata
// (a PyTorch export) is imported with no preprocessing and numbered
// classes, and import says so and what to give: a stranger's PyTorch CNN,
// trained on ToTensor's 0..1, predicted "circle 0.98" on a random image
// where PyTorch said 0.25 each, with nothing to tell why. With --rescale
// and --classes nothing is said; a cnnscope export says nothing either.
func TestImportSaysWhatItAssumed(t *testing.T) {
	m := nn.NewSequential(tensor.Shape{8, 8, 3}, &nn.GlobalAveragePooling2D{}, &nn.Dense{Units: 2, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	pm, err := onnx.Convert(m, onnx.ExportOptions{Layout: onnx.LayoutNCHW})
	if err != nil {
		t.Fatal(err)
	}
	pm.Metadata = nil
	bare := filepath.Join(t.TempDir(), "bare.onnx")
	if err := os.WriteFile(bare, pm.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("import", bare, "--out", filepath.Join(t.TempDir(), "a"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"no preprocessing", "0..255", "--rescale 0.00392157", "class_0, class_1", "--classes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI("import", bare, "--out", filepath.Join(t.TempDir(), "b"), "--rescale", "0.00392157", "--classes", "x,y")
	if code != 0 || strings.Contains(stdout, "preprocessing") || strings.Contains(stdout, "--classes") {
		t.Errorf("with --rescale and --classes: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	dir := testmodel.TinyCNN(t)
	file := filepath.Join(t.TempDir(), "m.onnx")
	if code, _, stderr := runCLI("export", dir, "--out", file); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	code, stdout, _ = runCLI("import", file, "--out", filepath.Join(t.TempDir(), "c"))
	if code != 0 || strings.Contains(stdout, "preprocessing") || strings.Contains(stdout, "--classes") {
		t.Errorf("cnnscope's own export: exit %d, stdout %q", code, stdout)
	}
}
