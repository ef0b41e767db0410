package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvInputGradTaps: ConvInputGradDirect of strided kernels of several
// taps (convInputGradTaps) gives the bits of clearing dx, then SgemmSerial
// (dz·kernelᵀ) and Col2imRowsSerial, for resnet-20's stride-2 shapes
// ('same': padding at the bottom and right only), padding on every side,
// stride 2 in one dimension only, 2×3 and 5×5 kernels, odd sizes, output
// rows longer than a call, channels of one, two and four narrow kernels'
// widths (where Sgemm's widest kernel takes them), f of one
// and two kernel widths and an odd one, all samples or a middle range;
// and writes nothing outside its samples.
func TestConvInputGradTaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	nr := kernelFor(16).nr
	tried := 0
	for _, gc := range []ConvGeom{
		{N: 3, H: 32, W: 32, KH: 3, KW: 3, SH: 2, SW: 2, OH: 16, OW: 16},
		{N: 3, H: 16, W: 16, KH: 3, KW: 3, SH: 2, SW: 2, OH: 8, OW: 8},
		{N: 3, H: 9, W: 11, KH: 3, KW: 3, SH: 2, SW: 2, PadTop: 1, PadLeft: 1},
		{N: 3, H: 10, W: 30, KH: 2, KW: 3, SH: 1, SW: 2, PadTop: 1, PadLeft: 1},
		{N: 3, H: 13, W: 7, KH: 3, KW: 3, SH: 2, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 3, H: 12, W: 12, KH: 5, KW: 5, SH: 3, SW: 3, PadTop: 2, PadLeft: 2},
	} {
		for _, c := range []int{nr, 2 * nr, 4 * nr} {
			g := gc
			g.C = c
			if g.OH == 0 {
				g.OH = (g.H+2*g.PadTop-g.KH)/g.SH + 1
				g.OW = (g.W+2*g.PadLeft-g.KW)/g.SW + 1
			}
			if !ConvInputGradTapsApplies(g, 7) {
				if kern := kernelFor(c); kern == bestKernel && kern.seg != nil && c%kern.nr == 0 {
					t.Fatalf("%+v: not applied", g)
				}
				continue
			}
			k, per, img := g.Cols(), g.OH*g.OW, g.H*g.W*g.C
			for _, f := range []int{nr, 2 * nr, 7} {
				dz, kT := normal(g.Rows()*f), normal(f*k)
				for _, nn := range [][2]int{{0, g.N}, {1, 2}} {
					n0, n1 := nn[0], nn[1]
					want, start := make([]float32, g.N*img), make([]float32, g.N*img)
					for i := range want {
						want[i], start[i] = float32(math.NaN()), float32(math.NaN())
					}
					clear(want[n0*img : n1*img])
					dcols := make([]float32, (n1-n0)*per*k)
					SgemmSerial(false, false, (n1-n0)*per, k, f, 1, dz[n0*per*f:], f, kT, k, 0, dcols, k)
					Col2imRowsSerial(g, dcols, n0*per, n1*per, want)
					got := newBanded(start)
					ConvInputGradDirect(g, dz, f, kT, n0, n1, got.s(), make([]float32, ConvInputGradDirectLen(g)))
					what := fmt.Sprintf("%+v, %d filters, samples [%d, %d)", g, f, n0, n1)
					got.check(t, what)
					sameBits(t, what, got.s(), want)
					tried++
				}
			}
		}
	}
	if tried == 0 && kernelFor(16).seg != nil {
		t.Fatal("no case ran")
	}
}
