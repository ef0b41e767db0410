package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvInputGradDirect: ConvInputGradDirect, with this CPU's kernel
// and with the Go one (convDxGo), gives the bits of clearing dx, then
// SgemmSerial (dz·kernelᵀ) and Col2imRowsSerial in tiles, for 'same' and
// 'valid' padding, strides 1 and 2 (input pixels that no tap meets), 1×1
// and non-square kernels, 16, 32 and 3 channels, f of one, two and four
// kernel widths and an odd one, all samples or a middle range; and
// writes nothing outside its samples (the others keep NaNs).
func TestConvInputGradDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	nr := kernelFor(16).nr
	var tried int
	for _, gc := range []ConvGeom{
		{N: 3, H: 12, W: 11, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 3, H: 10, W: 10, C: 16, KH: 3, KW: 3, SH: 2, SW: 2, PadTop: 0, PadLeft: 0},
		{N: 3, H: 9, W: 11, C: 32, KH: 3, KW: 3, SH: 2, SW: 2, PadTop: 1, PadLeft: 1},
		{N: 3, H: 8, W: 8, C: 16, KH: 1, KW: 1, SH: 2, SW: 2},
		{N: 3, H: 9, W: 10, C: 3, KH: 2, KW: 3, SH: 1, SW: 2, PadTop: 1, PadLeft: 0},
		{N: 3, H: 7, W: 9, C: 16, KH: 3, KW: 3, SH: 1, SW: 1},
		{N: 3, H: 30, W: 32, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
	} {
		g := gc
		g.OH = (g.H+2*g.PadTop-g.KH)/g.SH + 1
		g.OW = (g.W+2*g.PadLeft-g.KW)/g.SW + 1
		k, per, img := g.Cols(), g.OH*g.OW, g.H*g.W*g.C
		for _, f := range []int{nr, 2 * nr, 4 * nr, 7} {
			if !ConvInputGradDirectApplies(g, f) {
				t.Fatalf("%+v, %d filters: no direct path", g, f)
			}
			dz, kT := normal(g.Rows()*f), normal(f*k)
			for _, nn := range [][2]int{{0, g.N}, {1, 2}} {
				n0, n1 := nn[0], nn[1]
				want := make([]float32, g.N*img)
				for i := range want {
					want[i] = float32(math.NaN())
				}
				clear(want[n0*img : n1*img])
				const tile = 37 // tiles that end inside output rows
				for r0 := n0 * per; r0 < n1*per; r0 += tile {
					r1 := min(n1*per, r0+tile)
					dcols := make([]float32, (r1-r0)*k)
					SgemmSerial(false, false, r1-r0, k, f, 1, dz[r0*f:], f, kT, k, 0, dcols, k)
					Col2imRowsSerial(g, dcols, r0, r1, want)
				}
				for _, kern := range []struct {
					name string
					fn   dxKernel
				}{{"best", dxKernelFor(g.C)}, {"go", convDxGo}} {
					start := make([]float32, g.N*img)
					for i := range start {
						start[i] = float32(math.NaN())
					}
					got := newBanded(start)
					buf := newBanded(normal(ConvInputGradDirectLen(g)))
					convInputGradWith(kern.fn, g, dz, f, kT, n0, n1, got.s(), buf.s())
					what := fmt.Sprintf("%s: %+v, %d filters, samples [%d, %d)", kern.name, g, f, n0, n1)
					got.check(t, what)
					buf.check(t, what+" scratch")
					sameBits(t, what, got.s(), want)
					tried++
				}
			}
		}
	}
	if tried == 0 {
		t.Fatal("no case ran")
	}
}

// TestConvInputGradPointwise: ConvInputGradDirect of 1×1 kernels without
// padding (convInputGradPointwise) gives the bits of clearing dx, then
// SgemmSerial (dz·kernelᵀ) and Col2imRowsSerial, for strides 2 and 3 (and
// 1), channels of one and two kernel widths, output rows longer than a
// call, f of one and two kernel widths and an odd one, all samples or a
// middle range; and writes nothing outside its samples.
func TestConvInputGradPointwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
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
		{N: 3, H: 8, W: 8, SH: 2, SW: 2},
		{N: 3, H: 9, W: 31, SH: 2, SW: 2},
		{N: 3, H: 10, W: 40, SH: 3, SW: 2},
		{N: 3, H: 5, W: 6, SH: 1, SW: 1},
	} {
		for _, c := range []int{nr, 2 * nr} {
			g := gc
			g.C, g.KH, g.KW = c, 1, 1
			g.OH, g.OW = (g.H-1)/g.SH+1, (g.W-1)/g.SW+1
			if !ConvInputGradPointwiseApplies(g, 7) {
				if kernelFor(c).seg != nil && c%kernelFor(c).nr == 0 {
					t.Fatalf("%+v: not applied", g)
				}
				continue
			}
			per, img := g.OH*g.OW, g.H*g.W*g.C
			for _, f := range []int{nr, 2 * nr, 7} {
				dz, kT := normal(g.Rows()*f), normal(f*c)
				for _, nn := range [][2]int{{0, g.N}, {1, 2}} {
					n0, n1 := nn[0], nn[1]
					want, start := make([]float32, g.N*img), make([]float32, g.N*img)
					for i := range want {
						want[i], start[i] = float32(math.NaN()), float32(math.NaN())
					}
					clear(want[n0*img : n1*img])
					dcols := make([]float32, (n1-n0)*per*c)
					SgemmSerial(false, false, (n1-n0)*per, c, f, 1, dz[n0*per*f:], f, kT, c, 0, dcols, c)
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

// TestConvInputGradDirectApplies: no direct path when Sgemm would cut
// the reduction over the filters into k-blocks.
func TestConvInputGradDirectApplies(t *testing.T) {
	g := ConvGeom{N: 1, H: 8, W: 8, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 8, OW: 8}
	if !ConvInputGradDirectApplies(g, 64) {
		t.Error("64 filters: no direct path")
	}
	if ConvInputGradDirectApplies(g, 4096) {
		t.Error("4096 filters: direct path")
	}
}
