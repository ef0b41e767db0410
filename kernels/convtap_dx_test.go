package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestConvInputGradTap: the input gradient through the three-tap kernels
// matches Sgemm + Col2imRows within float32 rounding and, with small
// integers (exact sums), to the bit, for 'same' and 'valid' padding,
// 16 and 32 filters and channels, samples in any cut (the same bits),
// samples whole and in chunks of rows (tapDxRows).
func TestConvInputGradTap(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, gc := range []ConvGeom{
		{N: 3, H: 9, W: 11, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 8, W: 30, C: 32, KH: 3, KW: 3, SH: 1, SW: 1},
		{N: 2, H: 7, W: 6, C: 16, KH: 2, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 1, H: 80, W: 62, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1}, // samples in chunks of rows
	} {
		g := gc
		g.OH, g.OW = g.H+2*g.PadTop-g.KH+1, g.W+2*g.PadLeft-g.KW+1
		for _, f := range []int{16, 32} {
			if !ConvInputGradTapApplies(g, f) {
				t.Skipf("%+v: no three-tap kernel in this build", g)
			}
			if g.H == 80 && tapDxRows(DxTapGeom(g, f)) >= g.H {
				t.Fatalf("%+v: one chunk", g)
			}
			for _, exact := range []bool{true, false} {
				dz, w := make([]float32, g.Rows()*f), make([]float32, g.Cols()*f)
				for _, v := range [][]float32{dz, w} {
					for i := range v {
						if v[i] = float32(rng.NormFloat64()); exact {
							v[i] = float32(rng.IntN(9) - 4)
						}
					}
				}
				k, m := g.Cols(), g.Rows()
				kt := make([]float32, f*k)
				for i := 0; i < k; i++ {
					for j := 0; j < f; j++ {
						kt[j*k+i] = w[i*f+j]
					}
				}
				dcols, want := make([]float32, m*k), make([]float32, g.N*g.H*g.W*g.C)
				SgemmNaive(false, false, m, k, f, 1, dz, f, kt, k, 0, dcols, k)
				Col2imRowsSerial(g, dcols, 0, m, want)
				flipped := make([]float32, len(w))
				FlipKernel(g, f, w, flipped)
				buf := make([]float32, ConvInputGradTapLen(g, f))
				got, parts := make([]float32, len(want)), make([]float32, len(want))
				ConvInputGradTap(g, dz, f, flipped, 0, g.N, got, buf)
				ConvInputGradTap(g, dz, f, flipped, 1, g.N, parts, buf)
				ConvInputGradTap(g, dz, f, flipped, 0, 1, parts, buf)
				what := fmt.Sprintf("%+v, %d filters, exact %v", g, f, exact)
				sameBits(t, what+": cut", parts, got)
				if exact {
					sameBits(t, what, got, want)
					continue
				}
				for i := range want {
					if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
						t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
					}
				}
			}
		}
	}
}
