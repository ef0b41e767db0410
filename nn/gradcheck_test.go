package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// Finite-difference checks: for a layer f, with L = Σ f(x)·r for a fixed
// random r, the analytic dL/dx and dL/dparams from Backward must match
// central differences of L.

func randTensor(rng *rand.Rand, scale float64, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32((2*rng.Float64() - 1) * scale)
	}
	return t
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// checkClose compares two gradient vectors by their relative error norm.
func checkClose(t *testing.T, what string, num, ana []float64, tol float64) {
	t.Helper()
	var diff, norm float64
	worst, wi := 0.0, 0
	for i := range num {
		d := num[i] - ana[i]
		diff += d * d
		norm += num[i]*num[i] + ana[i]*ana[i]
		if math.Abs(d) > worst {
			worst, wi = math.Abs(d), i
		}
	}
	rel := math.Sqrt(diff) / math.Max(math.Sqrt(norm), 1e-12)
	if rel > tol || math.IsNaN(rel) {
		t.Errorf("%s: relative error %.3g > %.3g (worst at %d: numeric %.6g analytic %.6g)", what, rel, tol, wi, num[wi], ana[wi])
	}
}

type gradCase struct {
	name     string
	layer    Layer
	in       tensor.Shape
	batch    int
	training bool
	// before is called before every forward (e.g. to replay a Dropout mask).
	before func()
	// h is the finite-difference step (default 1e-2); kinks (ReLU, max)
	// need a smaller one so no perturbation crosses them.
	h float64
}

func runGradCheck(t *testing.T, c gradCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	l := c.layer
	l.SetName(c.name)
	out, err := l.Build(c.in, rng)
	if err != nil {
		t.Fatalf("%s: build: %v", c.name, err)
	}
	// Perturb defaults such as gamma=1 and zero biases so every path is exercised.
	for _, p := range l.Params() {
		if p.Trainable {
			for i := range p.Value.Data {
				p.Value.Data[i] += float32(0.3 * (2*rng.Float64() - 1))
			}
		}
	}
	x := randTensor(rng, 1, append([]int{c.batch}, c.in...)...)
	r := randTensor(rng, 1, append([]int{c.batch}, out...)...)
	forward := func() float64 {
		if c.before != nil {
			c.before()
		}
		return dot64(l.Forward(x, c.training).Data, r.Data)
	}
	forward()
	dy := r.Clone()
	dx := l.Backward(dy, true)
	anaX := make([]float64, x.Len())
	for i, v := range dx.Data {
		anaX[i] = float64(v)
	}
	var anaP [][]float64
	for _, p := range l.Params() {
		if !p.Trainable {
			anaP = append(anaP, nil)
			continue
		}
		g := make([]float64, p.Grad.Len())
		for i, v := range p.Grad.Data {
			g[i] = float64(v)
		}
		anaP = append(anaP, g)
	}
	h := c.h
	if h == 0 {
		h = 1e-2
	}
	numeric := func(v []float32) []float64 {
		g := make([]float64, len(v))
		for i := range v {
			old := v[i]
			v[i] = old + float32(h)
			lp := forward()
			v[i] = old - float32(h)
			lm := forward()
			v[i] = old
			g[i] = (lp - lm) / (2 * h)
		}
		return g
	}
	checkClose(t, c.name+" dx", numeric(x.Data), anaX, 2e-3)
	for k, p := range l.Params() {
		if anaP[k] != nil {
			checkClose(t, c.name+" d"+p.Name, numeric(p.Value.Data), anaP[k], 2e-3)
		}
	}
}

func TestGradConv2D(t *testing.T) {
	for _, c := range []gradCase{
		{name: "conv_valid", layer: &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}}, in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "conv_same_s2", layer: &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "conv_2x3_s21_nobias_tanh", layer: &Conv2D{Filters: 3, KernelSize: [2]int{2, 3}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true, Activation: "tanh"}, in: tensor.Shape{7, 5, 3}, batch: 3},
		{name: "conv_1x1", layer: &Conv2D{Filters: 5, KernelSize: [2]int{1, 1}, Activation: "elu"}, in: tensor.Shape{4, 3, 2}, batch: 2},
		{name: "conv_relu", layer: &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Activation: "relu"}, in: tensor.Shape{7, 5, 3}, batch: 2, h: 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

func TestGradPooling(t *testing.T) {
	for _, c := range []gradCase{
		{name: "maxpool2", layer: &MaxPooling2D{}, in: tensor.Shape{7, 5, 3}, batch: 2, h: 1e-3},
		{name: "maxpool3_s2_same", layer: &MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, in: tensor.Shape{7, 5, 3}, batch: 2, h: 1e-3},
		{name: "avgpool2", layer: &AveragePooling2D{}, in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "avgpool3_s2_same", layer: &AveragePooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "gap", layer: &GlobalAveragePooling2D{}, in: tensor.Shape{7, 5, 3}, batch: 2},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

func TestGradDenseFlattenBatchNorm(t *testing.T) {
	for _, c := range []gradCase{
		{name: "dense", layer: &Dense{Units: 5}, in: tensor.Shape{7}, batch: 4},
		{name: "dense_rank3_sigmoid", layer: &Dense{Units: 3, Activation: "sigmoid"}, in: tensor.Shape{2, 3, 4}, batch: 2},
		{name: "flatten", layer: &Flatten{}, in: tensor.Shape{3, 2, 2}, batch: 2},
		{name: "bn_train", layer: &BatchNormalization{}, in: tensor.Shape{3, 5, 4}, batch: 3, training: true},
		{name: "bn_infer", layer: &BatchNormalization{}, in: tensor.Shape{3, 5, 4}, batch: 3},
		{name: "bn_dense_train", layer: &BatchNormalization{}, in: tensor.Shape{5}, batch: 8, training: true},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

func TestGradActivations(t *testing.T) {
	for _, name := range ActivationNames() {
		c := gradCase{name: name, layer: &Activation{Function: name}, in: tensor.Shape{3, 7}, batch: 2}
		t.Run(name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

func TestGradDropout(t *testing.T) {
	d := &Dropout{Rate: 0.4}
	var state []byte
	c := gradCase{name: "dropout", layer: d, in: tensor.Shape{5, 3}, batch: 4, training: true,
		before: func() {
			if state == nil {
				state, _ = d.RNG().MarshalBinary()
			}
			if err := d.RNG().UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
		}}
	runGradCheck(t, c)
}
