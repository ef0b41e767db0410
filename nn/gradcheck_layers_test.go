package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// Finite-difference checks of the layers residual and mobile networks use.

func TestGradDepthwiseSeparable(t *testing.T) {
	for _, c := range []gradCase{
		{name: "dw_valid", layer: &DepthwiseConv2D{KernelSize: [2]int{3, 3}}, in: tensor.Shape{6, 5, 3}, batch: 2},
		{name: "dw_same_s2_m2", layer: &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DepthMultiplier: 2}, in: tensor.Shape{7, 5, 3}, batch: 2},
		{name: "dw_2x3_s21_nobias_tanh", layer: &DepthwiseConv2D{KernelSize: [2]int{2, 3}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true, Activation: "tanh"}, in: tensor.Shape{7, 5, 2}, batch: 3},
		{name: "sep_same", layer: &SeparableConv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, in: tensor.Shape{5, 5, 3}, batch: 2},
		{name: "sep_s2_m2_silu", layer: &SeparableConv2D{Filters: 3, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, DepthMultiplier: 2, Activation: "silu"}, in: tensor.Shape{7, 6, 2}, batch: 2},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

func TestGradShapeLayers(t *testing.T) {
	for _, c := range []gradCase{
		{name: "zeropad", layer: &ZeroPadding2D{Padding: [4]int{1, 2, 0, 3}}, in: tensor.Shape{3, 4, 2}, batch: 2},
		{name: "gmp", layer: &GlobalMaxPooling2D{}, in: tensor.Shape{4, 3, 5}, batch: 2, h: 1e-3},
		{name: "reshape", layer: &Reshape{TargetShape: []int{-1, 2}}, in: tensor.Shape{3, 2, 2}, batch: 2},
		{name: "rescaling", layer: &Rescaling{Scale: 0.5, Offset: -1}, in: tensor.Shape{3, 2}, batch: 2},
	} {
		t.Run(c.name, func(t *testing.T) { runGradCheck(t, c) })
	}
}

// runMergeGradCheck checks a merge layer's gradient for every input with
// L = Σ y·r.
func runMergeGradCheck(t *testing.T, name string, l MultiInput, in []tensor.Shape) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 5))
	l.SetName(name)
	out, err := l.BuildInputs(in)
	if err != nil {
		t.Fatalf("%s: build: %v", name, err)
	}
	const batch = 2
	var xs []*tensor.Tensor
	for _, s := range in {
		xs = append(xs, randTensor(rng, 1, append([]int{batch}, s...)...))
	}
	r := randTensor(rng, 1, append([]int{batch}, out...)...)
	forward := func() float64 { return dot64(l.ForwardInputs(xs, true).Data, r.Data) }
	forward()
	dxs := l.BackwardInputs(r.Clone())
	for i, x := range xs {
		ana := make([]float64, x.Len())
		for k, v := range dxs[i].Data {
			ana[k] = float64(v)
		}
		num := make([]float64, x.Len())
		const h = 1e-2
		for k := range x.Data {
			old := x.Data[k]
			x.Data[k] = old + h
			lp := forward()
			x.Data[k] = old - h
			lm := forward()
			x.Data[k] = old
			num[k] = (lp - lm) / (2 * h)
		}
		checkClose(t, name+" dx"+string(rune('0'+i)), num, ana, 2e-3)
	}
}

func TestGradMerge(t *testing.T) {
	s := tensor.Shape{3, 2, 4}
	runMergeGradCheck(t, "add", &Add{}, []tensor.Shape{s, s, s})
	runMergeGradCheck(t, "add_broadcast", &Add{}, []tensor.Shape{{1, 1, 4}, s})
	runMergeGradCheck(t, "multiply", &Multiply{}, []tensor.Shape{s, s, s})
	runMergeGradCheck(t, "multiply_se", &Multiply{}, []tensor.Shape{s, {1, 1, 4}})
	runMergeGradCheck(t, "concat_channels", &Concatenate{}, []tensor.Shape{s, {3, 2, 1}, {3, 2, 2}})
	runMergeGradCheck(t, "concat_axis1", &Concatenate{Axis: 1}, []tensor.Shape{s, {1, 2, 4}})
}

func TestMergeRefusesMismatchedShapes(t *testing.T) {
	if _, err := (&Add{}).BuildInputs([]tensor.Shape{{3, 2, 4}, {3, 2, 5}}); err == nil {
		t.Error("Add built on (3, 2, 4) and (3, 2, 5)")
	}
	if _, err := (&Concatenate{}).BuildInputs([]tensor.Shape{{3, 2, 4}, {2, 2, 4}}); err == nil {
		t.Error("Concatenate on the channels built on inputs of different heights")
	}
	if _, err := (&Add{}).BuildInputs([]tensor.Shape{{3, 2, 4}}); err == nil {
		t.Error("Add built on one input")
	}
}

// The Add buffers handed back must not alias one another: a consumer may
// overwrite its dy.
func TestAddGivesEachInputItsOwnBuffer(t *testing.T) {
	s := tensor.Shape{2, 3}
	l := &Add{}
	if _, err := l.BuildInputs([]tensor.Shape{s, s, s}); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(1, 2, 3)
	l.ForwardInputs([]*tensor.Tensor{x, x, x}, true)
	dy := tensor.New(1, 2, 3)
	for step := 0; step < 2; step++ {
		dxs := l.BackwardInputs(dy)
		for i := range dxs {
			for j := i + 1; j < len(dxs); j++ {
				if &dxs[i].Data[0] == &dxs[j].Data[0] {
					t.Fatalf("step %d: inputs %d and %d share a gradient buffer", step, i, j)
				}
			}
		}
	}
}
