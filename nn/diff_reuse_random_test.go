package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// A model run on batches of changing sizes (larger, smaller, 1) reuses
// its layers' buffers, masks, slabs and per-sample scratch: each step
// must give the bits a freshly built model gives on that batch.

// reuseModels are the models the reuse test runs: Conv2D (Winograd and
// im2col) with relu and BN, a handed-on ZeroPadding2D before a strided
// DepthwiseConv2D with BN and relu6 and a 1×1 Conv2D, and two presets.
var reuseModels = []struct {
	name string
	in   tensor.Shape
	mk   func(in tensor.Shape) Model
}{
	{"conv-bn", tensor.Shape{13, 9, 32}, func(in tensor.Shape) Model {
		return NewSequential(in, &Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
			&BatchNormalization{}, &Conv2D{Filters: 17, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: "relu"},
			&BatchNormalization{}, &GlobalAveragePooling2D{}, &Dense{Units: 5})
	}},
	{"pad-dw", tensor.Shape{11, 7, 16}, func(in tensor.Shape) Model {
		g := NewGraph(in)
		x := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}}, g.In())
		x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}}, g.Call(&ZeroPadding2D{Padding: [4]int{1, 0, 0, 1}}, x))
		x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, x))
		x = g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 33, KernelSize: [2]int{1, 1}, NoBias: true}, x))
		g.Call(&Dense{Units: 4}, g.Call(&GlobalAveragePooling2D{}, g.Call(&Activation{Function: "relu"}, x)))
		return g
	}},
	{"resnet-20", tensor.Shape{9, 7, 3}, func(in tensor.Shape) Model { m, _ := NewPreset("resnet-20", in, 5); return m }},
	{"mobilenet-v2-small", tensor.Shape{33, 31, 3}, func(in tensor.Shape) Model { m, _ := NewPreset("mobilenet-v2-small", in, 5); return m }},
}

// reuseStep runs one training step and one inference Forward of m on a
// batch of n (seeded by n) and returns the outputs and the gradients.
func reuseStep(m Model, n int) [][]float32 {
	rng := rand.New(rand.NewPCG(uint64(n), 11))
	x := randTensor(rng, 1, append([]int{n}, m.InputShape()...)...)
	out := [][]float32{slices.Clone(m.Forward(x, true).Data)}
	m.Backward(randTensor(rng, 1, append([]int{n}, m.Output()...)...))
	for _, p := range m.Params() {
		if p.Param.Grad != nil {
			out = append(out, slices.Clone(p.Param.Grad.Data))
		}
	}
	return append(out, slices.Clone(m.Forward(x, false).Data))
}

// copyParams sets every weight of dst (moving statistics included) to src's.
func copyParams(dst, src Model) {
	ps := src.Params()
	for i, p := range dst.Params() {
		copy(p.Param.Value.Data, ps[i].Param.Value.Data)
	}
}

// TestDiffReuseBatchSizes: the same model stepped on batches of 3, 33, 1,
// 31 and 2 (the presets on fewer), its weights and moving statistics set
// to another fresh model's before each step, gives at each step the bits
// of that fresh model, at 1 and 3 threads.
func TestDiffReuseBatchSizes(t *testing.T) {
	for _, c := range reuseModels {
		batches := []int{3, 33, 1, 31, 2}
		if c.name == "mobilenet-v2-small" || c.name == "resnet-20" {
			batches = []int{3, 7, 1, 5}
		}
		for _, procs := range []int{1, 3} {
			reuseCase(t, c.name, c.in, c.mk, batches, procs)
		}
	}
}

func reuseCase(t *testing.T, name string, in tensor.Shape, mk func(tensor.Shape) Model, batches []int, procs int) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	reused := mk(in)
	if err := reused.Build(3); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for step, n := range batches {
		fresh := mk(in)
		if err := fresh.Build(uint64(4 + step)); err != nil { // new weights: caches of them must follow
			t.Fatal(err)
		}
		copyParams(reused, fresh)
		want := reuseStep(fresh, n)
		got := reuseStep(reused, n)
		sameRun(t, fmt.Sprintf("%s threads %d step %d batch %d", name, procs, step, n), want, got)
	}
}
