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
