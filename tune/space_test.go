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
		"model.layers[0].units: {int: [1, 4]}":               "not list elements",
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
