package modelfile

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// tinyModel is a built 4x4x1 → 3-class softmax regression.
func tinyModel(t *testing.T) nn.Model {
	t.Helper()
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 3, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	return m
}

func paramNamed(m nn.Model, name string) nn.LayerParam {
	for _, p := range m.Params() {
		if p.FullName() == name {
			return p
		}
	}
	panic("no param " + name)
}

// savePair saves a tiny model with the given epoch into dir.
func savePair(t *testing.T, dir string, epoch int, scale float32) nn.Model {
	t.Helper()
	m := tinyModel(t)
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] *= scale
		}
	}
	if err := SaveFile(dir, m, File{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy", RunID: "r1", Epoch: epoch}); err != nil {
		t.Fatal(err)
	}
	return m
}

// A save killed between its two files (the weights replaced, model.json
// not yet) cannot load as a mix: Load says what is wrong, and the
// weights file alone loads as the new model.
func TestModelPairInterruptedBetweenTheFiles(t *testing.T) {
	dir, next := t.TempDir(), t.TempDir()
	savePair(t, dir, 1, 1)
	newer := savePair(t, next, 2, 2)
	b, err := os.ReadFile(filepath.Join(next, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	// The first rename of Save happened, the second did not.
	if err := os.WriteFile(filepath.Join(dir, WeightsFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Load(dir)
	var in *InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "model.json is from epoch 1, the weights from epoch 2") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Load of a mixed pair: %v", err)
	}
	os.Remove(filepath.Join(dir, ConfigFile))
	m, mf, err := Load(dir)
	if err != nil || mf.Epoch != 2 {
		t.Fatalf("the weights file alone: %v (%+v)", err, mf)
	}
	for i, p := range m.Params() {
		if !slices.Equal(p.Value.Data, newer.Params()[i].Value.Data) {
			t.Errorf("%s is not the newer model's", p.FullName())
		}
	}
}

func TestLoadRefusesNonFiniteWeights(t *testing.T) {
	dir := t.TempDir()
	m := tinyModel(t)
	paramNamed(m, "dense/bias").Value.Data[1] = float32(math.Inf(1))
	if err := SaveFile(dir, m, File{Classes: []string{"a", "b", "c"}, Loss: "sparse_categorical_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(dir)
	var in *InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), filepath.Join(dir, WeightsFile)+": tensor dense/bias holds 1 NaN/Inf") {
		t.Errorf("Load = %v", err)
	}
}

// A description naming an unknown interpolation is refused when the
// model is loaded, naming the file, not when the first image is resized.
func TestLoadRefusesUnknownInterpolation(t *testing.T) {
	dir := t.TempDir()
	if err := SaveFile(dir, tinyModel(t), File{Classes: []string{"a", "b", "c"}, Interpolation: "lanczos"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(dir)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `interpolation "lanczos"`) || !strings.Contains(err.Error(), ConfigFile) {
		t.Errorf("Load: %v, want an InputError naming %s and the interpolation", err, ConfigFile)
	}
}

// Load given a file (an ONNX file, say) says that it wants a folder and
// how to get one from an ONNX file, not "open m.onnx/model.json: not a
// directory".
func TestLoadOfAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, []byte("onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(path)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "is a file") || !strings.Contains(err.Error(), "cnnscope import "+path) {
		t.Errorf("Load(%s): %v", path, err)
	}
}
