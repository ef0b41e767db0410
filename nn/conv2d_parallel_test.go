package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// tileRun is what one Forward and Backward of a Conv2D produced.
type tileRun struct {
	y, dx, dk, db []float32
	mask          []uint64
	tile          int // tileRows
}

// runConvCase builds the layer mk makes on in, runs Forward (training)
// and Backward on a batch of n at GOMAXPROCS procs, with tiles of rows
// patch rows (0: the default) and relu's mask kept, and returns the
// results.
func runConvCase(t *testing.T, mk func() *Conv2D, in tensor.Shape, n, rows, procs int, needDx, frozen bool) (*Conv2D, *tensor.Tensor, *tensor.Tensor, tileRun) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := mk()
	l.SetName("conv")
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	l.tileBytes = rows * 4 * l.geom.Cols()
	l.setMaskOut(true)
	l.kernel.Trainable = !frozen
	x := randTensor(rand.New(rand.NewPCG(3, 4)), 1, append([]int{n}, in...)...)
	dy := randTensor(rand.New(rand.NewPCG(9, 9)), 1, append([]int{n}, out...)...)
	var r tileRun
	r.y = append(r.y, l.Forward(x, true).Data...)
	r.tile = l.tileRows()
	r.mask = append(r.mask, l.mask...)
	dx := l.Backward(dy.Clone(), needDx)
	if needDx {
		r.dx = append(r.dx, dx.Data...)
	}
	r.dk = append(r.dk, l.kernel.Grad.Data...)
	if l.bias != nil {
		r.db = append(r.db, l.bias.Grad.Data...)
	}
	return l, x, dy, r
}

func sameBitsOf(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, one thread %v", what, i, got[i], want[i])
		}
	}
}

// TestConv2DTilesParallel: whole tiles per thread (tileParallel) give the
// bits of one thread working through the tiles in order (y, relu's mask,
// dx, dkernel, dbias) with 2 and 3 threads, for tiles within a sample
// (dx tasks of several tiles), tiles of several samples, tiles that are
// not a multiple of kernels.ReductionStep, strides, smaller tiles with
// more threads (tileRows), a frozen kernel and no dx; and one thread's
// results match direct float64 sums.
func TestConv2DTilesParallel(t *testing.T) {
	conv := func(f, s int, act string, noBias bool) func() *Conv2D {
		return func() *Conv2D {
			return &Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Strides: [2]int{s, s}, Padding: "same", Activation: act, NoBias: noBias}
		}
	}
	cases := []struct {
		mk             func() *Conv2D
		in             tensor.Shape
		n, rows        int
		needDx, frozen bool
	}{
		{conv(16, 1, "relu", false), tensor.Shape{16, 16, 16}, 5, 0, true, false},  // tiles of 2 samples
		{conv(8, 1, "relu", false), tensor.Shape{32, 32, 4}, 3, 512, true, false},  // 2 tiles per sample
		{conv(8, 1, "", true), tensor.Shape{20, 20, 3}, 4, 300, true, false},       // tiles across samples, not a multiple of 512
		{conv(8, 1, "relu", false), tensor.Shape{20, 20, 3}, 3, 1100, true, false}, // 2 blocks per tile
		{conv(32, 2, "relu", false), tensor.Shape{16, 16, 16}, 9, 0, true, false},  // strided
		{conv(8, 1, "relu", false), tensor.Shape{32, 32, 3}, 8, 0, true, false},    // smaller tiles with more threads
		{conv(16, 1, "", false), tensor.Shape{16, 16, 16}, 5, 0, true, true},       // frozen kernel
		{conv(16, 1, "relu", false), tensor.Shape{16, 16, 16}, 5, 0, false, false}, // no dx
		{conv(16, 1, "", false), tensor.Shape{32, 32, 16}, 3, 0, true, false},      // kernel-gradient patches read in place
	}
	for i, c := range cases {
		l, x, dy, want := runConvCase(t, c.mk, c.in, c.n, c.rows, 1, c.needDx, c.frozen)
		if m := l.geom.Rows(); m <= want.tile {
			t.Fatalf("case %d: one tile of %d rows for %d: not parallel", i, want.tile, m)
		}
		if !c.frozen && l.act.name == "linear" {
			ny, ndx, ndk := naiveConv(l, x, dy)
			near64(t, "y", want.y, ny, 1e-5)
			near64(t, "dx", want.dx, ndx, 1e-5)
			near64(t, "dkernel", want.dk, ndk, 1e-5)
		}
		for _, procs := range []int{2, 3} {
			_, _, _, got := runConvCase(t, c.mk, c.in, c.n, c.rows, procs, c.needDx, c.frozen)
			if i == 5 && got.tile >= want.tile {
				t.Fatalf("case %d, %d threads: tiles of %d rows, one thread's %d", i, procs, got.tile, want.tile)
			}
			what := fmt.Sprintf("case %d, %d threads", i, procs)
			sameBitsOf(t, what+" y", got.y, want.y)
			sameBitsOf(t, what+" dx", got.dx, want.dx)
			sameBitsOf(t, what+" dkernel", got.dk, want.dk)
			sameBitsOf(t, what+" dbias", got.db, want.db)
			for j := range want.mask {
				if got.mask[j] != want.mask[j] {
					t.Fatalf("%s: mask word %d = %#x, one thread %#x", what, j, got.mask[j], want.mask[j])
				}
			}
		}
	}
}

// TestConv2DTilesParallelWaves: a kernel gradient whose blocks exceed
// gradSlotBytes is added up in several waves, with the same bits.
func TestConv2DTilesParallelWaves(t *testing.T) {
	mk := func() *Conv2D {
		l := &Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Padding: "same"}
		l.wino.mode = winogradOff
		return l
	}
	in := tensor.Shape{16, 16, 32} // slots of 288×64 values: 14 blocks per MiB
	l, _, _, want := runConvCase(t, mk, in, 40, 512, 1, true, false)
	if blocks := len(l.gradBlocks(0, l.geom.Rows(), nil)); blocks*4*288*64 <= gradSlotBytes {
		t.Fatalf("%d blocks fit in one wave", blocks)
	}
	_, _, _, got := runConvCase(t, mk, in, 40, 512, 2, true, false)
	sameBitsOf(t, "dkernel", got.dk, want.dk)
	sameBitsOf(t, "dx", got.dx, want.dx)
}

// TestConv2DLegacySameBits: resnet-20 (a training step and an inference
// call, batch 4, 1 and 2 threads) gets the same gradients and outputs with its
// convolutions on the path of before whole tiles per thread and patches
// read in place (Conv2D.legacy) as on today's; where the three-tap
// kernels run (kernels.ConvTapApplies: the 16-channel layers and the
// stem, their sums in another order) within float32 rounding, and today's
// path the same bits at 1 and 2 threads.
func TestConv2DLegacySameBits(t *testing.T) {
	var now [2][2][]float32 // threads, gradients/outputs
	for i, procs := range []int{1, 2} {
		now[i] = legacySameBits(t, procs)
	}
	sameBitsOf(t, "gradients at 2 threads", now[1][0], now[0][0])
	sameBitsOf(t, "inference outputs at 2 threads", now[1][1], now[0][1])
}

func legacySameBits(t *testing.T, procs int) [2][]float32 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 4, 32, 32, 3)
	var grads, outs [2][]float32
	tap := false
	for i := range 2 {
		g := ResNet20(tensor.Shape{32, 32, 3}, 10)
		for _, n := range g.nodes {
			setLegacy(n.layer, i == 0)
		}
		g.noShard = true // the convolutions' own parallel paths (shards: graph_shard_test.go)
		if err := g.Build(1); err != nil {
			t.Fatal(err)
		}
		for _, n := range g.nodes {
			if c, ok := n.layer.(*Conv2D); ok && kernels.ConvTapApplies(c.geom, c.units()) {
				tap = true
			}
		}
		g.Gradients(x, Target{Labels: []int32{0, 1, 2, 3}}, nil, &SparseCategoricalCrossentropy{}, nil)
		for _, p := range g.Params() {
			if p.Grad != nil {
				grads[i] = append(grads[i], p.Grad.Data...)
			}
		}
		outs[i] = append(outs[i], g.Forward(x, false).Data...)
	}
	if tap {
		nearOf(t, "gradients", grads[1], grads[0], 1e-3)
		nearOf(t, "inference outputs", outs[1], outs[0], 1e-4)
	} else {
		sameBitsOf(t, "gradients", grads[1], grads[0])
		sameBitsOf(t, "inference outputs", outs[1], outs[0])
	}
	return [2][]float32{grads[1], outs[1]}
}

// nearOf fails unless got is want within tol times want's largest
// magnitude, value by value.
func nearOf(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	w := make([]float64, len(want))
	for i, v := range want {
		w[i] = float64(v)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	near64(t, what, got, w, tol)
}

// setLegacy sets Conv2D.legacy when l is a Conv2D.
func setLegacy(l Layer, on bool) {
	if c, ok := l.(*Conv2D); ok {
		c.legacy = on
	}
}

// TestConv2DDirectSameBits: the input gradient read in place (directDx)
// and the forward's patches read from padded slabs give the bits of the
// im2col path (Conv2D.legacy) at 1, 2 and 3 threads (where the three-tap
// kernels run, kernels.ConvTapApplies or tapDx, within float32 rounding,
// and the same bits at 1, 2 and 3 threads): one tile
// (the serial path, its samples' dx one per task), tiles within and
// across samples, 'valid' padding, a non-square kernel, 8 and 16 filters.
func TestConv2DDirectSameBits(t *testing.T) {
	conv := func(f int, k [2]int, pad string, legacy bool) func() *Conv2D {
		return func() *Conv2D {
			l := &Conv2D{Filters: f, KernelSize: k, Padding: pad}
			l.legacy = legacy
			return l
		}
	}
	for i, c := range []struct {
		f   int
		k   [2]int
		pad string
		in  tensor.Shape
		n   int
	}{
		{16, [2]int{3, 3}, "same", tensor.Shape{6, 6, 16}, 3},
		{16, [2]int{3, 3}, "same", tensor.Shape{16, 16, 16}, 5},
		{16, [2]int{3, 3}, "valid", tensor.Shape{12, 10, 16}, 4},
		{8, [2]int{2, 3}, "same", tensor.Shape{9, 11, 32}, 3},
	} {
		var first tileRun
		for _, procs := range []int{1, 2, 3} {
			l, _, _, want := runConvCase(t, conv(c.f, c.k, c.pad, true), c.in, c.n, 0, procs, true, false)
			if l.useWinograd() {
				t.Fatalf("case %d: Winograd", i)
			}
			nl, _, _, got := runConvCase(t, conv(c.f, c.k, c.pad, false), c.in, c.n, 0, procs, true, false)
			if !nl.directDx() && kernels.ConvInputGradDirectVector(nl.geom) {
				t.Fatalf("case %d: no direct input gradient", i)
			}
			what := fmt.Sprintf("case %d, %d threads", i, procs)
			if kernels.ConvTapApplies(nl.geom, nl.units()) || nl.tapDx() {
				nearOf(t, what+" y", got.y, want.y, 1e-5)
				nearOf(t, what+" dx", got.dx, want.dx, 1e-5)
				nearOf(t, what+" dkernel", got.dk, want.dk, 1e-5)
				if procs == 1 {
					first = got
				}
				want = first
			}
			sameBitsOf(t, what+" y", got.y, want.y)
			sameBitsOf(t, what+" dx", got.dx, want.dx)
			sameBitsOf(t, what+" dkernel", got.dk, want.dk)
		}
	}
}
