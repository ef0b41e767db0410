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

// Differential tests of the Conv2D fast paths (in-place patches, whole
// tiles per thread, Winograd with its relu mask) over random shapes
// against float64 direct sums (naiveConv), at 1, 2 and 3 threads, each
// run twice: the bits must not change with the run or the thread count.

// diffThreads are the thread counts every differential test runs at.
var diffThreads = []int{1, 2, 3}

// diffConv is one random convolution: input h×w×c, f filters of k×k,
// strides s, batch n, relu's mask kept (mask) as before a BN.
type diffConv struct {
	h, w, c, f, k, s, n int
	pad, act            string
	mask                bool
	noBias, noDx        bool // NoBias; Backward without dx (a first layer)
}

func (d diffConv) String() string {
	return fmt.Sprintf("%dx%dx%d f%d k%d s%d n%d %s %q mask %v nobias %v nodx %v", d.h, d.w, d.c, d.f, d.k, d.s, d.n, d.pad, d.act, d.mask, d.noBias, d.noDx)
}

// convRunOut is one run's results.
type convRunOut struct {
	l             *Conv2D
	x, dy         *tensor.Tensor
	y, dx, dk, db []float32
	usedWino      bool
}

// diffConvCases: fixed cases for the paths named above (Winograd with
// 32k filters and even outputs, odd outputs, the 16-channel in-place
// kernel gradient) and random ones whose direct sums stay cheap.
func diffConvCases(rng *rand.Rand, count int) []diffConv {
	cases := []diffConv{
		{8, 8, 32, 32, 3, 1, 2, "same", "relu", true, false, false},
		{16, 16, 32, 64, 3, 1, 1, "same", "relu", true, false, false},
		{13, 9, 33, 48, 3, 1, 3, "same", "relu", true, false, false},
		{10, 6, 48, 32, 3, 1, 2, "valid", "relu", true, false, false},
		{9, 7, 64, 65, 3, 1, 1, "valid", "", false, false, false},
		{7, 5, 32, 32, 3, 1, 2, "same", "relu", false, false, false},
		{32, 32, 16, 16, 3, 1, 2, "same", "relu", true, false, false},
		{33, 31, 3, 16, 3, 2, 3, "same", "relu", false, false, false},
		{33, 31, 3, 17, 5, 1, 1, "valid", "", false, false, false},
		{32, 32, 16, 16, 3, 1, 3, "same", "relu", true, true, true},
		{31, 33, 3, 16, 3, 1, 2, "same", "relu", true, true, true},
		{12, 12, 32, 32, 3, 1, 3, "same", "relu", true, true, true},
	}
	sizes := [][2]int{{1, 1}, {5, 7}, {13, 9}, {8, 8}, {33, 31}, {6, 10}, {3, 3}}
	chans := []int{1, 3, 15, 16, 17, 31, 32, 33, 48, 64, 65}
	batches := []int{1, 2, 3, 31, 33}
	for len(cases) < count {
		sz := sizes[rng.IntN(len(sizes))]
		d := diffConv{h: sz[0], w: sz[1], c: chans[rng.IntN(len(chans))], f: chans[rng.IntN(len(chans))],
			k: []int{1, 3, 5}[rng.IntN(3)], s: 1 + rng.IntN(2), n: batches[rng.IntN(len(batches))],
			pad: []string{"same", "valid"}[rng.IntN(2)], act: []string{"", "relu"}[rng.IntN(2)], mask: rng.IntN(2) == 0,
			noBias: rng.IntN(3) == 0, noDx: rng.IntN(3) == 0}
		if d.pad == "valid" && (d.k > d.h || d.k > d.w) {
			continue
		}
		if d.n*d.h*d.w*d.k*d.k*d.c*d.f > 12_000_000 { // the direct sums' cost
			continue
		}
		cases = append(cases, d)
	}
	return cases
}

// runDiffConv builds the case's layer (weights seeded by 1, 2), runs a
// training Forward and Backward at procs threads and returns the results.
func runDiffConv(t *testing.T, d diffConv, procs int) convRunOut {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	l := &Conv2D{Filters: d.f, KernelSize: [2]int{d.k, d.k}, Strides: [2]int{d.s, d.s}, Padding: d.pad, Activation: d.act, NoBias: d.noBias}
	l.SetName("conv")
	in := tensor.Shape{d.h, d.w, d.c}
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	if l.bias != nil {
		for i := range l.bias.Value.Data { // a non-zero bias
			l.bias.Value.Data[i] = float32(i%7)*0.05 - 0.15
		}
	}
	l.setMaskOut(d.mask)
	r := convRunOut{l: l, usedWino: l.useWinograd()}
	r.x = randTensor(rand.New(rand.NewPCG(3, uint64(d.c))), 1, append([]int{d.n}, in...)...)
	r.dy = randTensor(rand.New(rand.NewPCG(9, uint64(d.f))), 1, append([]int{d.n}, out...)...)
	r.y = slices.Clone(l.Forward(r.x, true).Data)
	if dx := l.Backward(r.dy.Clone(), !d.noDx); dx != nil {
		r.dx = slices.Clone(dx.Data)
	}
	r.dk = slices.Clone(l.kernel.Grad.Data)
	if l.bias != nil {
		r.db = slices.Clone(l.bias.Grad.Data)
	}
	return r
}

// checkConvReference compares one run with the direct sums: with relu,
// the output against max(0, z) and the gradients for dy masked where the
// layer's own output is positive (a float32 z within rounding of 0 may
// fall either side).
func checkConvReference(t *testing.T, d diffConv, r convRunOut) {
	t.Helper()
	z, dx, dk := naiveConv(r.l, r.x, r.dy)
	dz := r.dy
	if d.act == "relu" {
		dz = r.dy.Clone()
		for i := range z {
			z[i] = math.Max(z[i], 0)
			if r.y[i] <= 0 {
				dz.Data[i] = 0
			}
		}
		_, dx, dk = naiveConv(r.l, r.x, dz)
	}
	db := make([]float64, d.f)
	for i, v := range dz.Data {
		db[i%d.f] += float64(v)
	}
	near64(t, d.String()+" y", r.y, z, 1e-4)
	if !d.noDx {
		near64(t, d.String()+" dx", r.dx, dx, 1e-4)
	}
	near64(t, d.String()+" dkernel", r.dk, dk, 1e-4)
	if !d.noBias {
		near64(t, d.String()+" dbias", r.db, db, 1e-4)
	}
}

// sameRun requires the bits of run b to equal those of run a (value 0:
// y, then the gradients in the order the test lists them).
func sameRun(t *testing.T, what string, a, b [][]float32) {
	t.Helper()
	for i := range a {
		sameBitsOf(t, fmt.Sprintf("%s value %d", what, i), b[i], a[i])
	}
}

// acrossThreads calls run at each of diffThreads twice, check set on
// the first call only (which compares with a reference), and requires
// every later call's values to be the bits of the first. It stops early,
// returning false, when run returns nil (a case that does not build).
func acrossThreads(t *testing.T, what string, run func(procs int, check bool) [][]float32) bool {
	t.Helper()
	var first [][]float32
	for _, procs := range diffThreads {
		for rep := 0; rep < 2; rep++ {
			got := run(procs, first == nil)
			switch {
			case got == nil:
				return false
			case first == nil:
				first = got
			default:
				sameRun(t, fmt.Sprintf("%s threads %d run %d", what, procs, rep), first, got)
			}
		}
	}
	return true
}

// TestDiffConv2DRandom: random Conv2D layers (odd, non-square and 1×1
// inputs; 1 to 65 channels; kernels 1, 3, 5; strides 1, 2; both
// paddings; relu with and without its mask kept; Winograd-eligible ones)
// match the direct float64 sums, and give the same bits run after run
// and at 1, 2 and 3 threads.
func TestDiffConv2DRandom(t *testing.T) {
	count := 32
	if testing.Short() {
		count = 14
	}
	wino := 0
	for _, d := range diffConvCases(rand.New(rand.NewPCG(61, 62)), count) {
		acrossThreads(t, d.String(), func(procs int, check bool) [][]float32 {
			r := runDiffConv(t, d, procs)
			if check {
				checkConvReference(t, d, r)
				if r.usedWino {
					wino++
				}
			}
			return [][]float32{r.y, r.dx, r.dk, r.db}
		})
	}
	if wino < 5 {
		t.Fatalf("%d cases ran Winograd, want at least the 5 fixed ones", wino)
	}
}
