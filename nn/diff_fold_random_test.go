package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// Differential tests of Conv2D(relu) → BatchNormalization in training
// (relu's mask kept by the convolution, Winograd's mask in its chunks)
// and of the inference folds (a Conv2D or DepthwiseConv2D taking over
// the BatchNormalization and relu/relu6 after it) over random shapes,
// against float64 references, at 1, 2 and 3 threads.

// TestDiffConvReluBN: a Sequential Conv2D(relu) → BatchNormalization
// trained one step matches the float64 composition: the output, the
// convolution's kernel and bias gradients and BN's gamma and beta
// gradients; the same bits run after run and at 1, 2 and 3 threads.
func TestDiffConvReluBN(t *testing.T) {
	ran := 0
	for _, d := range diffConvCases(rand.New(rand.NewPCG(63, 64)), 16) {
		d.act = "relu"
		if d.n*d.h*d.w < 2 {
			continue
		}
		ran++
		acrossThreads(t, fmt.Sprintf("%v + BN", d), func(procs int, check bool) [][]float32 {
			return runConvReluBN(t, d, procs, check)
		})
	}
	if ran < 10 {
		t.Fatalf("%d cases ran", ran)
	}
}

func runConvReluBN(t *testing.T, d diffConv, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := &Conv2D{Filters: d.f, KernelSize: [2]int{d.k, d.k}, Strides: [2]int{d.s, d.s}, Padding: d.pad, Activation: "relu"}
	bn := &BatchNormalization{}
	in := tensor.Shape{d.h, d.w, d.c}
	m := NewSequential(in, l, bn)
	if err := m.Build(8); err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	rng := rand.New(rand.NewPCG(6, uint64(d.f)))
	randomBN(bn, rng)
	for i := range l.bias.Value.Data {
		l.bias.Value.Data[i] = float32(rng.Float64()*0.4 - 0.1)
	}
	x := randTensor(rng, 1, append([]int{d.n}, in...)...)
	y := slices.Clone(m.Forward(x, true).Data)
	dy := randTensor(rng, 1, append([]int{d.n}, bn.in...)...)
	m.Backward(dy.Clone())
	got := [][]float32{y, slices.Clone(l.kernel.Grad.Data), slices.Clone(l.bias.Grad.Data),
		slices.Clone(bn.gamma.Grad.Data), slices.Clone(bn.beta.Grad.Data)}
	if !check {
		return got
	}
	z, _, _ := naiveConv(l, x, tensor.New(append([]int{d.n}, bn.in...)...))
	r := slices.Clone(z)
	actRef("relu", r, nil, nil)
	yr, xh, inv := bnRef(r, d.f, bn.gamma.Value.Data, bn.beta.Value.Data, bn.epsilon())
	dr, dg, db := bnBackRef(to64(dy.Data), xh, inv, d.f, bn.gamma.Value.Data)
	dz := tensor.New(dy.Shape...)
	for i := range dz.Data {
		if z[i] > 0 {
			dz.Data[i] = float32(dr[i])
		}
	}
	_, _, dk := naiveConv(l, x, dz)
	for i, w := range [][]float64{yr, dk, sumChannels(dz.Data, d.f), dg, db} {
		near64(t, fmt.Sprintf("%v + BN value %d", d, i), got[i], w, 1e-4)
	}
	return got
}

// TestDiffFoldInference: an inference Forward of conv → BN (random
// moving statistics) → relu or relu6, with the BN and activation folded
// into a Conv2D (Winograd or not) or a DepthwiseConv2D (with the
// ZeroPadding2D before it handed on), matches the
// float64 composition, the same bits at 1, 2 and 3 threads.
func TestDiffFoldInference(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	for k, d := range diffConvCases(rand.New(rand.NewPCG(67, 68)), 20) {
		d.act = []string{"relu", "relu6"}[k%2]
		depthwise := k%3 == 2
		seed := rng.Uint64()
		acrossThreads(t, fmt.Sprintf("%v depthwise %v", d, depthwise), func(procs int, check bool) [][]float32 {
			return runFold(t, d, depthwise, seed, procs, check)
		})
	}
}

func runFold(t *testing.T, d diffConv, depthwise bool, seed uint64, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	in := tensor.Shape{d.h, d.w, d.c}
	g := NewGraph(in)
	rng := rand.New(rand.NewPCG(seed, 1))
	var conv Layer = &Conv2D{Filters: d.f, KernelSize: [2]int{d.k, d.k}, Strides: [2]int{d.s, d.s}, Padding: d.pad}
	x0, pad := g.In(), [4]int{}
	if depthwise { // after a ZeroPadding2D (up to 4 on a side) that it does the work of
		conv = &DepthwiseConv2D{KernelSize: [2]int{d.k, d.k}, Strides: [2]int{d.s, d.s}, Padding: d.pad}
		pad = [4]int{rng.IntN(5), rng.IntN(5), rng.IntN(5), rng.IntN(5)}
		x0 = g.Call(&ZeroPadding2D{Padding: pad}, x0)
	}
	bn := &BatchNormalization{}
	g.Call(&Activation{Function: d.act}, g.Call(bn, g.Call(conv, x0)))
	if err := g.Build(9); err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	randomBN(bn, rng)
	for j := range bn.movingMean.Value.Data {
		bn.movingMean.Value.Data[j] = float32(rng.Float64() - 0.5)
		bn.movingVar.Value.Data[j] = float32(0.05 + rng.Float64())
	}
	x := randTensor(rng, 2, append([]int{d.n}, in...)...)
	y := slices.Clone(g.Forward(x, false).Data)
	for _, r := range ranForward(g) {
		if ci := len(r.nodes) - 3; !r.folds.done[ci] || depthwise != (countPassed(r) == 1) {
			t.Fatalf("%v depthwise %v: folded %v, %d paddings handed on", d, depthwise, r.folds.done[ci], countPassed(r))
		}
	}
	if !check {
		return [][]float32{y}
	}
	var z []float64
	switch l := conv.(type) {
	case *Conv2D:
		z, _, _ = naiveConv(l, x, tensor.New(append([]int{d.n}, bn.in...)...))
	case *DepthwiseConv2D:
		gm := l.geom
		gm.N = d.n
		z, _, _ = naiveDepthwise(gm, 1, padNHWC(x.Data, d.n, d.h, d.w, d.c, pad), l.kernel.Value.Data, l.bias.Value.Data, nil)
	}
	c := bn.c
	for i := range z {
		j := i % c
		z[i] = (z[i]-float64(bn.movingMean.Value.Data[j]))/math.Sqrt(float64(bn.movingVar.Value.Data[j])+bn.epsilon())*
			float64(bn.gamma.Value.Data[j]) + float64(bn.beta.Value.Data[j])
	}
	actRef(d.act, z, nil, nil)
	near64(t, fmt.Sprintf("%v depthwise %v y", d, depthwise), y, z, 1e-4)
	return [][]float32{y}
}

// ranForward is the copies of g that ran its last inference Forward: g
// alone, or, when the batch was split into micro-batches, the model and
// replicas that took one (any thread may take them all: under load the
// pool's helper can run every micro-batch while g's own copy runs none).
func ranForward(g *Graph) []*Graph {
	var ran []*Graph
	for w, r := range g.infer.models {
		if w < len(g.infer.started) && g.infer.started[w] {
			ran = append(ran, r)
		}
	}
	if len(ran) == 0 {
		return []*Graph{g}
	}
	return ran
}
