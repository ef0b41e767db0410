package train

import (
	"context"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// countBegin counts TrainBegin calls: a rejected fit must not reach it.
type countBegin struct {
	Nop
	n int
}

func (c *countBegin) TrainBegin(*State) error { c.n++; return nil }

// The README's old example: a validation loader without Options.Classes
// failed after a whole epoch ("model has 3 outputs for 0 classes").
func TestFitDerivesClassesAndDefaults(t *testing.T) {
	tr, va := tinyLoaders(t, 24, 8)
	h, err := Fit(context.Background(), tinyModel(t), tr, va, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 1 {
		t.Fatalf("Epochs 0 ran %d epochs, want Keras' default 1", len(h.Epochs))
	}
	if _, ok := h.Last()["val_loss"]; !ok {
		t.Fatalf("no val_loss in %v", h.Last())
	}
}

func TestFitRejectsOptionsBeforeTheFirstStep(t *testing.T) {
	other := nn.NewSequential(tensor.Shape{5, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 3, Activation: "softmax"})
	if err := other.Build(1); err != nil {
		t.Fatal(err)
	}
	two := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 2, Activation: "softmax"})
	if err := two.Build(1); err != nil {
		t.Fatal(err)
	}
	unbuilt := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 3})
	cases := []struct {
		name string
		m    nn.Model
		opts Options
		want string
	}{
		{"negative epochs", nil, Options{Epochs: -1}, "Options.Epochs"},
		{"classes", nil, Options{Classes: []string{"a", "b"}}, "Options.Classes"},
		{"top k", nil, Options{TopK: 4}, "Options.TopK"},
		{"initial epoch", nil, Options{Epochs: 2, InitialEpoch: 3}, "Options.InitialEpoch"},
		{"nil callback", nil, Options{Callbacks: []Callback{nil}}, "Options.Callbacks[0]"},
		{"input shape", other, Options{}, "images of 4x4x1"},
		{"too few outputs", two, Options{}, "3 classes for a model with 2 outputs"},
		{"unbuilt", unbuilt, Options{}, "not built"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := tinyModel(t)
			if c.m != nil {
				m = c.m
			}
			cb := &countBegin{}
			c.opts.Callbacks = append(c.opts.Callbacks, cb)
			tr, va := tinyLoaders(t, 12, 4)
			_, err := Fit(context.Background(), m, tr, va, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one naming %q", err, c.want)
			}
			if cb.n != 0 {
				t.Fatal("a callback ran before the options were checked")
			}
		})
	}
}

func TestModelFitChecksFitOptions(t *testing.T) {
	ds := tinyData(12)
	cases := []struct {
		opts FitOptions
		want string
	}{
		{FitOptions{Epochs: -2}, "FitOptions.Epochs"},
		{FitOptions{BatchSize: -1}, "FitOptions.BatchSize"},
		{FitOptions{ValidationSplit: 1}, "FitOptions.ValidationSplit"},
		{FitOptions{ValidationSplit: 0.5, ValidationData: ds}, "both given"},
		{FitOptions{ClassWeights: []float64{1, 2}}, "FitOptions.ClassWeights"},
		{FitOptions{ClassWeights: []float64{1, -2, 1}}, "FitOptions.ClassWeights[1]"},
		{FitOptions{ValidationData: data.Random(4, 3, 3, 1, 3, 1)}, "validation data: images of 3x3x1"},
	}
	for _, c := range cases {
		m := Compile(tinyModel(t), CompileOptions{})
		before := m.Params()[0].Value.Clone()
		_, err := m.Fit(context.Background(), ds, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want one naming %q", c.opts, err, c.want)
		}
		if !slicesEqual(before.Data, m.Params()[0].Value.Data) {
			t.Errorf("%+v: weights changed by a rejected fit", c.opts)
		}
	}
}

// Compile + Fit with zero options trains an unbuilt model reproducibly:
// the same seed gives the same weights.
func TestModelFitBuildsFromTheSeed(t *testing.T) {
	run := func(seed uint64) []float32 {
		m := Compile(nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 3, Activation: "softmax"}), CompileOptions{})
		h, err := m.Fit(context.Background(), tinyData(30), FitOptions{Seed: seed, BatchSize: 8, ValidationSplit: 0.2})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Epochs) != 1 || m.Optimizer.Iterations() != 3 {
			t.Fatalf("%d epochs, %d steps; want 1 epoch of 3 steps (24 training images, batch 8)", len(h.Epochs), m.Optimizer.Iterations())
		}
		res, err := m.Evaluate(context.Background(), tinyData(9))
		if err != nil || res.Samples != 9 || res.Confusion.Classes[2] != "c" {
			t.Fatalf("Evaluate: %+v, %v", res, err)
		}
		return m.Params()[0].Value.Data
	}
	a, b, c := run(3), run(3), run(4)
	if !slicesEqual(a, b) {
		t.Fatal("the same seed gave different weights")
	}
	if slicesEqual(a, c) {
		t.Fatal("different seeds gave the same weights")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
