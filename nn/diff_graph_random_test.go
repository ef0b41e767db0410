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

// Differential tests of a Graph's fused BatchNormalization + relu/relu6
// (NormApplyRelu6, NormSumsRelu6, BN kernels walking rows in pieces), of
// Add + relu, GlobalAveragePooling2D and the inference folds, over random
// shapes against float64 references, at 1, 2 and 3 threads.

// bnRef normalizes x (rows of c) with the batch statistics (biased
// variance) and returns y, xhat and the per-channel 1/std.
func bnRef(x []float64, c int, gamma, beta []float32, eps float64) (y, xhat, inv []float64) {
	rows := len(x) / c
	mean, v := sumChannels64(x, c, nil), make([]float64, c)
	for j := range mean {
		mean[j] /= float64(rows)
	}
	for i, x := range x {
		d := x - mean[i%c]
		v[i%c] += d * d
	}
	inv, xhat, y = make([]float64, c), make([]float64, len(x)), make([]float64, len(x))
	for j := range inv {
		inv[j] = 1 / math.Sqrt(v[j]/float64(rows)+eps)
	}
	for i, x := range x {
		j := i % c
		xhat[i] = (x - mean[j]) * inv[j]
		y[i] = float64(gamma[j])*xhat[i] + float64(beta[j])
	}
	return y, xhat, inv
}

// bnBackRef is bnRef's gradient: dx, dgamma and dbeta for dy.
func bnBackRef(dy, xhat, inv []float64, c int, gamma []float32) (dx, dg, db []float64) {
	rows := float64(len(dy) / c)
	db = sumChannels64(dy, c, nil)
	dg = sumChannels64(dy, c, xhat)
	dx = make([]float64, len(dy))
	for i := range dy {
		j := i % c
		dx[i] = float64(gamma[j]) * inv[j] / rows * (rows*dy[i] - db[j] - xhat[i]*dg[j])
	}
	return dx, dg, db
}

// sumChannels64 sums v (times w where w is not nil) per channel.
func sumChannels64(v []float64, c int, w []float64) []float64 {
	s := make([]float64, c)
	for i, x := range v {
		if w != nil {
			x *= w[i]
		}
		s[i%c] += x
	}
	return s
}

func to64(v []float32) []float64 {
	o := make([]float64, len(v))
	for i, x := range v {
		o[i] = float64(x)
	}
	return o
}

// randomBN sets a BatchNormalization's gamma and beta to random values
// (gammas up to 3, so that relu6 clamps some outputs).
func randomBN(l *BatchNormalization, rng *rand.Rand) {
	for j := range l.gamma.Value.Data {
		l.gamma.Value.Data[j] = float32(0.3 + 2.7*rng.Float64())
		l.beta.Value.Data[j] = float32(2*rng.Float64() - 1)
	}
}

// TestDiffGraphBNRelu: input → BN → relu → BN → relu6 (both activations
// fused in training) over random shapes matches the float64 composition:
// the output and both layers' gamma and beta gradients; the same bits
// run after run and at 1, 2 and 3 threads.
func TestDiffGraphBNRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(91, 92))
	for k := 0; k < 14; k++ {
		sz := [][2]int{{1, 1}, {5, 7}, {13, 9}, {8, 8}, {33, 31}, {16, 16}}[rng.IntN(6)]
		c := []int{1, 3, 15, 16, 17, 31, 32, 33, 48, 64, 65}[rng.IntN(11)]
		n := []int{1, 2, 3, 31, 33}[rng.IntN(5)]
		if n*sz[0]*sz[1]*c > 300_000 || n*sz[0]*sz[1] < 2 {
			continue
		}
		in := tensor.Shape{sz[0], sz[1], c}
		what := fmt.Sprintf("BN relu BN relu6 %v n%d", in, n)
		acrossThreads(t, fmt.Sprintf("%s", what), func(procs int, check bool) [][]float32 {
			return runBNGraph(t, what, in, n, procs, check)
		})
	}
}

func runBNGraph(t *testing.T, what string, in tensor.Shape, n, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	g := NewGraph(in)
	b1, b2 := &BatchNormalization{}, &BatchNormalization{}
	g.Call(&Activation{Function: "relu6"}, g.Call(b2, g.Call(&Activation{Function: "relu"}, g.Call(b1, g.In()))))
	if err := g.Build(5); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, uint64(in[2])))
	randomBN(b1, rng)
	randomBN(b2, rng)
	x := randTensor(rng, 3, append([]int{n}, in...)...)
	for i := range x.Data {
		x.Data[i] += float32(i%in[2]) * 0.25 // channel means apart from 0
	}
	xc := slices.Clone(x.Data)
	y := slices.Clone(g.Forward(x, true).Data)
	dy := randTensor(rng, 1, append([]int{n}, in...)...)
	g.Backward(dy.Clone())
	if countFused(g) != 2 {
		t.Fatalf("%s: %d activations fused, want 2", what, countFused(g))
	}
	got := [][]float32{y, slices.Clone(b1.gamma.Grad.Data), slices.Clone(b1.beta.Grad.Data),
		slices.Clone(b2.gamma.Grad.Data), slices.Clone(b2.beta.Grad.Data)}
	if !check {
		return got
	}
	c, eps := in[2], b1.epsilon()
	a1, xh1, inv1 := bnRef(to64(xc), c, b1.gamma.Value.Data, b1.beta.Value.Data, eps)
	r1 := slices.Clone(a1)
	actRef("relu", r1, nil, nil)
	a2, xh2, inv2 := bnRef(r1, c, b2.gamma.Value.Data, b2.beta.Value.Data, eps)
	d2 := slices.Clone(dy.Data)
	actRef("relu6", a2, y, d2)
	dr1, dg2, db2 := bnBackRef(to64(d2), xh2, inv2, c, b2.gamma.Value.Data)
	for i := range dr1 {
		if a1[i] <= 0 {
			dr1[i] = 0
		}
	}
	_, dg1, db1 := bnBackRef(dr1, xh1, inv1, c, b1.gamma.Value.Data)
	for i, w := range [][]float64{a2, dg1, db1, dg2, db2} {
		near64(t, fmt.Sprintf("%s value %d", what, i), got[i], w, 1e-4)
	}
	return got
}

// TestDiffGraphAddReluGAP: two depthwise branches (1×1 and 3×3 "same")
// → Add → relu (fused into the Add) → GlobalAveragePooling2D matches the
// float64 composition: the output and every kernel and bias gradient.
func TestDiffGraphAddReluGAP(t *testing.T) {
	rng := rand.New(rand.NewPCG(93, 94))
	for k := 0; k < 14; k++ {
		sz := [][2]int{{1, 1}, {5, 7}, {13, 9}, {8, 8}, {33, 31}}[rng.IntN(5)]
		c := []int{1, 3, 15, 16, 17, 31, 32, 33, 48, 64, 65}[rng.IntN(11)]
		n := []int{1, 2, 3, 31, 33}[rng.IntN(5)]
		if n*sz[0]*sz[1]*c > 300_000 {
			continue
		}
		in := tensor.Shape{sz[0], sz[1], c}
		what := fmt.Sprintf("Add relu GAP %v n%d", in, n)
		acrossThreads(t, fmt.Sprintf("%s", what), func(procs int, check bool) [][]float32 {
			return runAddGraph(t, what, in, n, procs, check)
		})
	}
}

func runAddGraph(t *testing.T, what string, in tensor.Shape, n, procs int, check bool) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	g := NewGraph(in)
	la := &DepthwiseConv2D{KernelSize: [2]int{1, 1}}
	lb := &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same"}
	s := g.Call(&Add{}, g.Call(la, g.In()), g.Call(lb, g.In()))
	g.Call(&GlobalAveragePooling2D{}, g.Call(&Activation{Function: "relu"}, s))
	if err := g.Build(6); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, uint64(in[2])))
	for _, b := range [][]float32{la.bias.Value.Data, lb.bias.Value.Data} {
		for i := range b {
			b[i] = float32(rng.Float64() - 0.5)
		}
	}
	x := randTensor(rng, 2, append([]int{n}, in...)...)
	y := slices.Clone(g.Forward(x, true).Data)
	dy := randTensor(rng, 1, n, in[2])
	g.Backward(dy.Clone())
	if countFused(g) != 1 {
		t.Fatalf("%s: %d activations fused, want 1", what, countFused(g))
	}
	got := [][]float32{y, slices.Clone(la.kernel.Grad.Data), slices.Clone(la.bias.Grad.Data),
		slices.Clone(lb.kernel.Grad.Data), slices.Clone(lb.bias.Grad.Data)}
	if !check {
		return got
	}
	ga, gb := la.geom, lb.geom
	ga.N, gb.N = n, n
	za, _, _ := naiveDepthwise(ga, 1, x.Data, la.kernel.Value.Data, la.bias.Value.Data, nil)
	zb, _, _ := naiveDepthwise(gb, 1, x.Data, lb.kernel.Value.Data, lb.bias.Value.Data, nil)
	c, hw := in[2], in[0]*in[1]
	pool, dz := make([]float64, n*c), make([]float32, len(za))
	for i := range za {
		b, j := i/(hw*c), i%c
		if s := za[i] + zb[i]; s > 0 {
			pool[b*c+j] += s / float64(hw)
			dz[i] = dy.Data[b*c+j] / float32(hw)
		}
	}
	_, _, dka := naiveDepthwise(ga, 1, x.Data, la.kernel.Value.Data, nil, dz)
	_, _, dkb := naiveDepthwise(gb, 1, x.Data, lb.kernel.Value.Data, nil, dz)
	dbias := sumChannels(dz, c)
	for i, w := range [][]float64{pool, dka, dbias, dkb, dbias} {
		near64(t, fmt.Sprintf("%s value %d", what, i), got[i], w, 1e-4)
	}
	return got
}
