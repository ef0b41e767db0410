package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// winograd4InferTol bounds the largest difference of a trained model's
// inference logits between F(4×4, 3×3) Winograd and the direct path,
// relative to the largest logit (measured: TestWinograd4Inference logs
// it).
const winograd4InferTol = 5e-6

// TestWinograd4Inference trains a small model (two 32-channel 3×3
// convolutions on 8×8 maps, F(2×2, 3×3) in training) for a few SGD steps,
// then compares its inference logits, which run F(4×4, 3×3), with those
// of the direct path on the same weights: within winograd4InferTol, the
// same predicted classes; and checks that F(4×4) did run.
func TestWinograd4Inference(t *testing.T) {
	s := NewSequential(tensor.Shape{8, 8, 3},
		&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
		&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
		&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same"},
		&BatchNormalization{},
		&Activation{Function: "relu"},
		&GlobalAveragePooling2D{},
		&Dense{Units: 5}, // logits
	)
	if err := s.Build(4); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(45, 46))
	x := randTensor(rng, 1, 64, 8, 8, 3)
	labels := make([]int32, 64)
	for i := range labels { // a class the input's mean decides
		var m float32
		for _, v := range x.Data[i*192 : (i+1)*192] {
			m += v
		}
		labels[i] = int32(min(4, max(0, int(m/4)+2)))
	}
	var first, last float64
	for step := range 30 {
		loss, _ := s.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{FromLogits: true}, nil)
		if step == 0 {
			first = loss
		}
		last = loss
		for _, p := range s.Params() {
			if p.Grad != nil && p.Trainable {
				for i, d := range p.Grad.Data {
					p.Value.Data[i] -= 0.05 * d
				}
			}
		}
	}
	if !(last < first) {
		t.Fatalf("the model did not learn: loss %v -> %v", first, last)
	}
	convs := []*Conv2D{s.Layers[1].(*Conv2D), s.Layers[2].(*Conv2D)}
	infer := func(mode winogradMode, f2only bool) []float32 {
		for _, c := range convs {
			c.wino.mode, c.wino.f2only = mode, f2only
		}
		return append([]float32(nil), s.Forward(x, false).Data...)
	}
	f4 := infer(winogradAuto, false)
	for _, c := range convs {
		if !c.wino.u4 {
			t.Fatalf("%s: the inference Forward did not run F(4x4, 3x3)", c.Name())
		}
	}
	direct, f2 := infer(winogradOff, false), infer(winogradAuto, true)
	diff := func(a []float32) float64 {
		var d, scale float64
		for i, v := range a {
			d = math.Max(d, math.Abs(float64(v)-float64(direct[i])))
			scale = math.Max(scale, math.Abs(float64(direct[i])))
		}
		return d / scale
	}
	t.Logf("loss %.4f -> %.4f; largest logit difference from the direct path, relative to the largest logit: F(4x4) %.3g, F(2x2) %.3g",
		first, last, diff(f4), diff(f2))
	if d := diff(f4); d > winograd4InferTol {
		t.Errorf("F(4x4) inference differs from the direct path by %.3g, want <= %g", d, winograd4InferTol)
	}
	for i := range labels {
		if a, b := argmaxRow(f4[5*i:5*i+5]), argmaxRow(direct[5*i:5*i+5]); a != b {
			t.Errorf("sample %d: F(4x4) predicts class %d, the direct path %d", i, a, b)
		}
	}
}
