package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmReductionPieces checks ReductionStep's contract: a product
// over k computed as successive products over pieces of k cut at
// multiples of ReductionStep (the part after the last multiple a piece
// of its own) gives the same bits however the multiples are chosen, for
// every micro-kernel, transposed or not, with 1 and 2 threads, and a cut
// into whole pieces the bits of one product.
func TestSgemmReductionPieces(t *testing.T) {
	for _, k := range supportedKernels() {
		if ReductionStep%k.kc != 0 {
			t.Errorf("%s: k-block %d does not divide ReductionStep %d", k.name, k.kc, ReductionStep)
		}
	}
	if ReductionMaxPiece >= kSplitMinK || ReductionMaxPiece%ReductionStep != 0 {
		t.Fatalf("ReductionMaxPiece %d: not a multiple of %d below the k-split %d", ReductionMaxPiece, ReductionStep, kSplitMinK)
	}
	const s = ReductionStep
	cuts := [][]int{ // piece lengths
		{s, s, s, 100},
		{3 * s, 100},
		{2 * s, s, 100},
		{s, 2 * s, 100},
	}
	whole := [][]int{{3 * s}, {s, s, s}, {2 * s, s}}
	rng := rand.New(rand.NewPCG(4, 5))
	for _, tc := range []gemmCase{
		{transA: true, m: 144, n: 16, k: 3*s + 100, alpha: 1},
		{transA: true, m: 27, n: 40, k: 3*s + 100, alpha: 1, pad: 3},
		{m: 30, n: 33, k: 3*s + 100, alpha: 0.5},
	} {
		f := newFixture(rng, tc)
		for _, kern := range supportedKernels() {
			for _, th := range []int{1, 2} {
				cfg := gemmConfig{kern: kern, threads: th}
				samePieces(t, &cfg, f, cuts)
				f.tc.k = 3 * s
				samePieces(t, &cfg, f, whole)
				f.tc.k = tc.k
			}
		}
	}
}

// samePieces computes f's product (over its first f.tc.k) cut as each
// of cuts says and fails unless all give the same bits.
func samePieces(t *testing.T, cfg *gemmConfig, f *gemmFixture, cuts [][]int) {
	t.Helper()
	tc := f.tc
	var ref []float32
	for _, cut := range cuts {
		c := f.c.clone()
		p0 := 0
		for i, kl := range cut {
			a, b := f.a.data()[p0:], f.b.data()[p0*f.b.ld:]
			if tc.transA {
				a = f.a.data()[p0*f.a.ld:]
			}
			beta := float32(1)
			if i == 0 {
				beta = tc.beta
			}
			sgemm(cfg, tc.transA, false, tc.m, tc.n, kl, tc.alpha, a, f.a.ld, b, f.b.ld, beta, c.data(), c.ld)
			p0 += kl
		}
		if ref == nil {
			ref = c.data()
			continue
		}
		for j, v := range c.data() {
			if math.Float32bits(v) != math.Float32bits(ref[j]) {
				t.Fatalf("%v, %s, %d threads: pieces %v give [%d] = %v, pieces %v %v", tc, cfg.kern.name, cfg.threads, cut, j, v, cuts[0], ref[j])
			}
		}
	}
}
