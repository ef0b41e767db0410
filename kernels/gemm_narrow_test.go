package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Sgemm picks a narrower micro-kernel for products of at most 16 columns
// (kernelFor); every kernel sums each element of C in the same order, so
// the narrow one gives the bits of the best one.
func TestNarrowKernelSameBits(t *testing.T) {
	narrow := kernelFor(16)
	if narrow == bestKernel {
		t.Skip("no narrow kernel on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []gemmCase{
		{m: 131, n: 16, k: 144, alpha: 1, beta: 1},
		{m: 40, n: 5, k: 700, alpha: 0.5, beta: 0},
		{transA: true, m: 144, n: 16, k: 5000, alpha: 1, beta: 0}, // split over k
		{transB: true, m: 25, n: 13, k: 33, alpha: 1, beta: 0.25, pad: 3},
	} {
		f := newFixture(rng, tc)
		var ref []float32
		for _, k := range []*sgemmKernel{bestKernel, narrow} {
			for _, th := range []int{1, 2} {
				cfg := gemmConfig{kern: k, threads: th}
				c := f.c.clone()
				sgemm(&cfg, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, c.data(), c.ld)
				if ref == nil {
					ref = c.data()
					continue
				}
				for j, v := range c.data() {
					if math.Float32bits(v) != math.Float32bits(ref[j]) {
						t.Fatalf("%v: [%d] = %v with %s and %d threads, %v with %s and 1", tc, j, v, k.name, th, ref[j], bestKernel.name)
					}
				}
			}
		}
	}
}

// TestSgemmHalfEdge: a right edge of exactly nr/2 columns computed by the
// kernel's half (straight into C) gets the bits of the whole-width kernel
// computing it into a buffer, with edge rows, transposes, packing, beta
// and 1 or 2 threads.
func TestSgemmHalfEdge(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, kern := range supportedKernels() {
		if kern.half == nil {
			continue
		}
		whole := *kern
		whole.half = nil
		for _, tc := range []gemmCase{
			{m: 512, n: 144, k: 16, alpha: 1},
			{transB: true, m: 37, n: 48, k: 700, alpha: 1, beta: 1, pad: 3},
			{transA: true, m: 25, n: kern.nr + kern.nr/2, k: 90, alpha: 0.5, beta: -1},
		} {
			f := newFixture(rng, tc)
			for _, th := range []int{1, 2} {
				for _, p := range []packMode{packAuto, packAll} {
					want, got := f.c.clone(), f.c.clone()
					sgemm(&gemmConfig{kern: &whole, threads: th, pack: p}, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, want.data(), want.ld)
					sgemm(&gemmConfig{kern: kern, threads: th, pack: p}, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, f.a.data(), f.a.ld, f.b.data(), f.b.ld, tc.beta, got.data(), got.ld)
					for i, v := range got.data() {
						if math.Float32bits(v) != math.Float32bits(want.data()[i]) {
							t.Fatalf("%s %v, %d threads, pack %d: [%d] = %v, whole-width kernel %v", kern.name, tc, th, p, i, v, want.data()[i])
						}
					}
				}
			}
		}
	}
}
