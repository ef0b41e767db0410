package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphFoldsBatchNorm: resnet-20's inference Forward folds every
// BatchNormalization into its Conv2D (and the relu after it) and gives
// the unfolded outputs (a Forward that collects statistics does not
// fold) within float32 rounding, and in training every layer runs.
func TestGraphFoldsBatchNorm(t *testing.T) {
	m := ResNet20(tensor.Shape{8, 8, 3}, 4)
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	randomizeNorms(m, rng)
	x := randTensor(rng, 1, 5, 8, 8, 3)
	folded := append([]float32(nil), m.Forward(x, false).Data...)
	convs, bns := 0, 0
	for i, n := range m.nodes {
		switch n.layer.(type) {
		case *Conv2D:
			if m.folds.done[i] {
				convs++
			}
		case *BatchNormalization:
			bns++
		}
	}
	if convs != bns || bns == 0 {
		t.Fatalf("%d of %d BatchNormalizations folded", convs, bns)
	}
	m.CollectStats(true)
	plain := m.Forward(x, false).Data
	m.CollectStats(false)
	for i := range plain {
		if d := math.Abs(float64(folded[i] - plain[i])); d > 1e-5 {
			t.Fatalf("output %d: %v folded, %v not", i, folded[i], plain[i])
		}
	}
	m.Forward(x, true)
	for i, done := range m.folds.done {
		if done {
			t.Fatalf("node %d folded in training", i)
		}
	}
}

// TestGraphFoldValues: a Conv2D → BatchNormalization → relu (relu6)
// chain folded gives the unfolded values within float32 rounding.
func TestGraphFoldValues(t *testing.T) {
	for _, c := range []struct {
		act   string
		layer func() Layer
		in    tensor.Shape // default 9x7x3
	}{
		{"relu", func() Layer { return &Conv2D{Filters: 5, KernelSize: [2]int{3, 3}, Padding: "same"} }, nil},
		{"relu6", func() Layer { return &Conv2D{Filters: 5, KernelSize: [2]int{3, 3}, Padding: "same"} }, nil},
		{"relu6", func() Layer { return &Conv2D{Filters: 5, KernelSize: [2]int{1, 1}} }, tensor.Shape{80, 60, 3}}, // pointwise, 2 tiles
		{"relu6", func() Layer { return &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true} }, nil},
		{"relu", func() Layer { return &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}} }, nil},
	} {
		act, in := c.act, c.in
		if in == nil {
			in = tensor.Shape{9, 7, 3}
		}
		g := NewGraph(in)
		h := g.Call(c.layer(), g.In())
		h = g.Call(&BatchNormalization{}, h)
		g.SetOutput(g.Call(&Activation{Function: act}, h))
		if err := g.Build(4); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(4, 5))
		for _, p := range g.Params() {
			for i := range p.Value.Data {
				if p.Name != "kernel" {
					p.Value.Data[i] = float32(0.2 + rng.Float64())
				}
			}
		}
		x := randTensor(rng, 1, append([]int{3}, in...)...)
		for i := range x.Data {
			x.Data[i] *= 20 // some outputs above 6
		}
		folded := append([]float32(nil), g.Forward(x, false).Data...)
		if !g.folds.done[0] || g.folds.act[0] == nil || g.folds.act[0].name != act {
			t.Fatalf("the chain %T with %s did not fold", g.nodes[0].layer, act)
		}
		g.CollectStats(true)
		plain := g.Forward(x, false).Data
		var scale float64
		sixes := 0
		for _, v := range plain {
			scale = math.Max(scale, math.Abs(float64(v)))
			if v == 6 {
				sixes++
			}
		}
		if act == "relu6" && sixes == 0 {
			t.Fatal("no output reached relu6's 6")
		}
		for i := range plain {
			if d := math.Abs(float64(folded[i] - plain[i])); d > 1e-6*scale {
				t.Fatalf("%T %s: output %d: %v folded, %v not", g.nodes[0].layer, act, i, folded[i], plain[i])
			}
		}
	}
}

// TestGraphRefoldsChangedWeights: the folded kernels are computed once
// per inference Forward (kept across its micro-batches), so weights and
// moving statistics changed between two Forwards (a training step) are
// folded again: the second Forward gives what a fresh model with those
// weights gives.
func TestGraphRefoldsChangedWeights(t *testing.T) {
	defer func(b int) { microBatchBytes = b }(microBatchBytes)
	build := func() *Graph {
		m := ResNet20(tensor.Shape{8, 8, 3}, 4)
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m, fresh := build(), build()
	microBatchBytes = 4 * m.arena.perSample * 2 // micro-batches of 2 samples
	rng := rand.New(rand.NewPCG(6, 7))
	x := randTensor(rng, 1, 5, 8, 8, 3)
	m.Forward(x, false)
	for _, g := range []*Graph{m, fresh} {
		r := rand.New(rand.NewPCG(8, 9))
		for _, p := range g.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] *= float32(0.5 + r.Float64())
			}
		}
	}
	got, want := m.Forward(x, false).Data, fresh.Forward(x, false).Data
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("output %d after the weights changed: %v, a fresh model %v", i, got[i], want[i])
		}
	}
}
