package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func inPlaceTestModel() *Sequential {
	return NewSequential(tensor.Shape{6, 6, 2},
		&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, &BatchNormalization{},
		&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}}, &BatchNormalization{Momentum: 0.9},
		&Flatten{}, &Dense{Units: 5, Activation: "relu"}, &BatchNormalization{},
		&Dense{Units: 3, Activation: "softmax"})
}

// inPlaceGrads runs two training steps of m, with its in-place pairs,
// and of a copy without them, and returns the last gradients of each.
// In between, both take the copy's update (the weights changed, gamma
// and beta away from 1 and 0, the same in both), so that the second
// gradients differ by the in-place pairs alone, not by what the first
// step's rounding did to the weights.
func inPlaceGrads(t *testing.T, m *Sequential, gamma0 float32) (paired, separate [][]float32) {
	t.Helper()
	sep := inPlaceTestModel()
	for _, mm := range []*Sequential{m, sep} {
		if err := mm.Build(7); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range sep.Layers {
		if p, ok := l.(inPlacer); ok {
			p.setInPlace(false)
		}
		if r, ok := l.(outputReleaser); ok {
			r.setMaskOut(false)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.New(5, 6, 6, 2)
	for i := range x.Data {
		x.Data[i] = rng.Float32()*2 - 0.7
	}
	grads := func(mm *Sequential) [][]float32 {
		mm.Gradients(x, Target{Labels: []int32{0, 1, 2, 1, 0}}, nil, &SparseCategoricalCrossentropy{}, nil)
		var g [][]float32
		for _, p := range mm.Params() {
			if p.Grad != nil {
				g = append(g, append([]float32(nil), p.Grad.Data...))
			}
		}
		return g
	}
	for step := 0; step < 2; step++ {
		paired, separate = grads(m), grads(sep)
		mp := m.Params()
		for i, p := range sep.Params() {
			if p.Grad != nil {
				for j := range p.Value.Data {
					p.Value.Data[j] -= 0.5 * p.Grad.Data[j]
				}
			}
			copy(mp[i].Value.Data, p.Value.Data)
		}
		for _, mm := range []*Sequential{m, sep} {
			bn := mm.Layers[1].(*BatchNormalization)
			bn.gamma.Value.Data[0] = gamma0
			if gamma0 != 0 && gamma0 < 1e-3 {
				bn.beta.Value.Data[0] = 0.25
			}
		}
	}
	return paired, separate
}

// A BatchNormalization after a relu or linear Conv2D or Dense writes its
// output over its input, and its gradients stay those of the separate
// buffers within float32 rounding; with a zero gamma it cannot recompute
// xhat from its output and keeps a buffer of its own.
func TestBatchNormInPlaceAfterConv(t *testing.T) {
	m := inPlaceTestModel()
	got, want := inPlaceGrads(t, m, 0.7)
	for i, l := range m.Layers {
		if bn, ok := l.(*BatchNormalization); ok && !bn.fromY {
			t.Errorf("layer %d (%s) did not write over its input", i, bn.Name())
		}
	}
	closeGrads(t, got, want)
	e1, _ := inPlaceTestModel().EstimateMemory(8, 0)
	m2 := inPlaceTestModel()
	m2.Layers[1], m2.Layers[2] = &Dropout{}, &Conv2D{Filters: 3, KernelSize: [2]int{3, 3}} // no pair before the first conv
	e2, _ := m2.EstimateMemory(8, 0)
	if !(e1.Activations < e2.Activations) {
		t.Errorf("estimate with in-place pairs %v, not below %v", e1.Activations, e2.Activations)
	}

	zero := inPlaceTestModel()
	got, want = inPlaceGrads(t, zero, 0)
	if zero.Layers[1].(*BatchNormalization).fromY {
		t.Errorf("a zero gamma: xhat taken from the output")
	}
	closeGrads(t, got, want)

	// A tiny gamma against beta: xhat = (y - beta) / gamma would carry
	// y's rounding times |beta/gamma|; the layer keeps a buffer instead.
	tiny := inPlaceTestModel()
	got, want = inPlaceGrads(t, tiny, 1e-6)
	if tiny.Layers[1].(*BatchNormalization).fromY {
		t.Errorf("gamma 1e-6: xhat taken from the output")
	}
	closeGrads(t, got, want)
}

// closeGrads compares gradients within float32 rounding of the largest.
func closeGrads(t *testing.T, got, want [][]float32) {
	t.Helper()
	for k := range want {
		var scale float64
		for _, w := range want[k] {
			scale = max(scale, math.Abs(float64(w)))
		}
		for i, w := range want[k] {
			if d := math.Abs(float64(got[k][i] - w)); !(d <= 1e-5*scale+1e-7) {
				t.Errorf("param %d [%d]: in place %v, separate %v", k, i, got[k][i], w)
			}
		}
	}
}
