package tune

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

func baseSpec(t *testing.T) *spec.Spec {
	t.Helper()
	s := &spec.Spec{Seed: 1}
	s.Data.Source = "mnist"
	s.Defaults()
	return s
}

func TestParseSpaceErrors(t *testing.T) {
	cases := map[string]string{
		"compile.learnin_rate: {loguniform: [1e-5, 1e-1]}":   "compile.learnin_rate",
		"compile.learning_rate: {loguniform: [0, 1e-1]}":     "want 0 < low",
		"compile.learning_rate: {uniform: [0.1, 0.01]}":      "want low < high",
		"compile.learning_rate: {normal: [0.1, 0.01]}":       "unknown distribution",
		"fit.batch_size: {int: [8.5, 64]}":                   "whole numbers",
		"fit.batch_size: {choice: [16, -1]}":                 "fit.batch_size",
		"compile.optimizer: {choice: [adam, sgdd]}":          "compile.optimizer",
		"compile.learning_rate: {uniform: [-1, 1]}":          "learning_rate",
		"compile.learning_rate: {uniform: [a, 1]}":           "want a number",
		"compile.learning_rate: {uniform: [1e-3]}":           "want [low, high]",
		"compile.learning_rate: 0.1":                         "space.yaml",
		"{}":                                                 "empty",
		"fit.batch_size: {choice: [16], uniform: [1, 2]}":    "one of",
		"compile.learning_rate.x: {uniform: [0.001, 0.002]}": "want a single value",
		"model.layers[0].units: {int: [1, 4]}":               "a preset's layers cannot be tuned",
		"model.layers[x].units: {int: [1, 4]}":               "[N] for the Nth element",
	}
	for in, want := range cases {
		_, err := ParseSpace("space.yaml", []byte(in), baseSpec(t))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "space.yaml: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", in, err, want)
		}
		if path, _, _ := strings.Cut(in, ":"); err != nil && strings.Count(err.Error(), path+":") > 1 {
			t.Errorf("%s: %v names the path twice", in, err)
		}
	}
}

func TestSampleAndApply(t *testing.T) {
	in := `
compile.learning_rate: {loguniform: [1e-4, 1e-1]}
compile.momentum: {uniform: [0.0, 0.9]}
compile.optimizer: {choice: [adam, sgd]}
fit.batch_size: {int: [8, 64]}
fit.early_stopping.patience: {choice: [2]}
`
	base := baseSpec(t)
	sp, err := ParseSpace("space.yaml", []byte(in), base)
	if err != nil {
		t.Fatal(err)
	}
	a, err := sp.SampleValid(rand.New(rand.NewPCG(1, 2)), base)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sp.SampleValid(rand.New(rand.NewPCG(1, 2)), base)
	if paramString(a) != paramString(b) {
		t.Fatalf("same seed, different samples: %v / %v", a, b)
	}
	optimizers := map[string]int{}
	for range 200 {
		p, err := sp.SampleValid(rand.New(rand.NewPCG(rand.Uint64(), 0)), base)
		_, hasMomentum := p["compile.momentum"]
		if err != nil || (p["compile.optimizer"] == "adam") == hasMomentum {
			t.Fatalf("%v: %v (momentum only with sgd)", err, p)
		}
		optimizers[p["compile.optimizer"].(string)]++
		lr := p["compile.learning_rate"].(float64)
		bs := p["fit.batch_size"].(int)
		if lr < 1e-4 || lr > 1e-1 || bs < 8 || bs > 64 {
			t.Fatalf("out of range: %v", p)
		}
	}
	if optimizers["adam"] < 50 || optimizers["sgd"] < 50 {
		t.Errorf("optimizer choice skewed by the momentum rule: %v", optimizers)
	}
	s, err := Apply(base, a)
	if err != nil {
		t.Fatal(err)
	}
	if s.Compile.LearningRate != a["compile.learning_rate"] || s.Fit.BatchSize != a["fit.batch_size"] || s.Compile.Optimizer != a["compile.optimizer"] {
		t.Errorf("applied %v, got compile %+v fit batch %d", a, s.Compile, s.Fit.BatchSize)
	}
	if s.Fit.EarlyStopping == nil || s.Fit.EarlyStopping.Patience != 2 || s.Data.Source != "mnist" {
		t.Errorf("nested path or base lost: %+v %+v", s.Fit.EarlyStopping, s.Data)
	}
}

// layersBase is a base spec with its layers written out.
func layersBase(t *testing.T) *spec.Spec {
	t.Helper()
	in := `
data: {source: mnist}
model:
  layers:
    - {type: conv2d, filters: 8, kernel_size: 3, activation: relu}
    - {type: max_pooling2d, pool_size: 2}
    - {type: flatten}
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 10, activation: softmax}
`
	s, err := spec.Parse("base.yaml", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	s.Defaults()
	return s
}

// A path with an index tunes a field of one layer of the base spec; a
// bad index or field is one line naming the path once.
func TestSpaceLayerFields(t *testing.T) {
	base := layersBase(t)
	sp, err := ParseSpace("space.yaml", []byte("model.layers[3].units: {int: [8, 64]}\nmodel.layers[0].filters: {choice: [4, 16]}\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Apply(base, map[string]any{"model.layers[3].units": 40, "model.layers[0].filters": 4})
	if err != nil {
		t.Fatal(err)
	}
	if l := got.Model.Layers; l[3].Units != 40 || l[0].Filters != 4 || l[4].Units != 10 || base.Model.Layers[3].Units != 16 {
		t.Errorf("applied layers: %+v / %+v (base after: %d units)", l[3], l[0], base.Model.Layers[3].Units)
	}
	if len(sp) != 2 {
		t.Fatalf("space: %v", sp)
	}
	for in, want := range map[string]string{
		"model.layers[9].units: {int: [8, 64]}": "has 5 elements (indexes 0 to 4)",
		"model.layers[3].unitz: {int: [8, 64]}": "unknown key",
		"model.layers[0].units: {int: [8, 64]}": "Conv2D does not take",
		"model.layers[3]: {int: [1, 2]}":        "ends in a field",
		"model.layers[3].units: {int: [0, 64]}": "model.layers[3].units",
		"compile.optimizer[0].x: {int: [0, 1]}": "no list there",
	} {
		_, err := ParseSpace("space.yaml", []byte(in), base)
		path, _, _ := strings.Cut(in, ":")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") || strings.Count(err.Error(), path) != 1 {
			t.Errorf("%s: got %v, want one line with %q naming %s once", in, err, want, path)
		}
	}
}
