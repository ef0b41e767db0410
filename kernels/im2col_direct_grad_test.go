package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvKernelGradDirect: ConvKernelGradDirect gives the bits of
// Im2colRowsSerial followed by SgemmSerial (transposed patches), for
// blocks of whole output rows at an image's top, middle and bottom,
// 'same' and 'valid' padding, strides 1 and 2, f of one and two kernel
// widths, beta 0 (grad not read) and 1, the three-tap kernel's shapes
// (the same bits); and reads no more scratch than ConvGradDirectLen.
// The Winograd path of 16-channel "same" kernels (other bits) is off
// here: TestWino16KernelGrad checks it.
func TestConvKernelGradDirect(t *testing.T) {
	defer func(off bool) { wino16GradOff = off }(wino16GradOff)
	wino16GradOff = true
	rng := rand.New(rand.NewPCG(13, 14))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	nr := kernelFor(16).nr
	taps, spans := 0, 0
	for _, gc := range []ConvGeom{
		{N: 2, H: 32, W: 32, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 11, W: 9, C: 4, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 0, PadLeft: 0},
		{N: 2, H: 17, W: 16, C: 32, KH: 3, KW: 3, SH: 2, SW: 2, PadTop: 1, PadLeft: 1},
		// the three-tap kernel's row lengths: ow-2 = 0, 1, 2 mod 3, and none in its steady loop
		{N: 2, H: 5, W: 33, C: 8, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 7, W: 36, C: 8, KH: 3, KW: 3, SH: 1, SW: 1},
		{N: 2, H: 7, W: 4, C: 16, KH: 3, KW: 3, SH: 1, SW: 1},
		{N: 2, H: 9, W: 3, C: 24, KH: 3, KW: 3, SH: 2, SW: 1, PadTop: 1, PadLeft: 1},
		// kernel rows shorter than a panel: the stem's 3 channels (runs of 9), 1x1 kernels of 16 and 20 channels
		{N: 2, H: 12, W: 10, C: 3, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 12, W: 10, C: 16, KH: 1, KW: 1, SH: 2, SW: 2},
		{N: 2, H: 6, W: 6, C: 20, KH: 1, KW: 1, SH: 1, SW: 1},
	} {
		g := gc
		g.OH = (g.H+2*g.PadTop-g.KH)/g.SH + 1
		g.OW = (g.W+2*g.PadLeft-g.KW)/g.SW + 1
		x := normal(g.N * g.H * g.W * g.C)
		k, per := g.Cols(), g.OH*g.OW
		for _, f := range []int{nr, 2 * nr} {
			dz := normal(g.Rows() * f)
			blocks := [][2]int{{0, 3 * g.OW}, {per + 2*g.OW, per + 5*g.OW}, {2*per - 2*g.OW, 2 * per}, {per, per + g.OW*min(g.OH, kernelFor(f).kc/g.OW)}}
			if gradAcrossImages(g) { // a block across the images' boundary
				blocks = append(blocks, [2]int{per - 2*g.OW, per + 3*g.OW})
				spans++
			}
			for _, blk := range blocks {
				a0, a1 := blk[0], blk[1]
				if !ConvGradDirectApplies(g, f, a0, a1) {
					t.Fatalf("%+v, %d filters, rows [%d, %d): no direct path", g, f, a0, a1)
				}
				for _, beta := range []float32{0, 1} {
					start := normal(k * f)
					if beta == 0 {
						for i := range start {
							start[i] = float32(math.NaN())
						}
					}
					cols := make([]float32, (a1-a0)*k)
					Im2colRowsSerial(g, x, a0, a1, cols)
					want := append([]float32(nil), start...)
					SgemmSerial(true, false, k, f, a1-a0, 1, cols, k, dz[a0*f:], f, beta, want, f)
					got := newBanded(append([]float32(nil), start...))
					buf := newBanded(normal(ConvGradDirectLen(g, a0, a1)))
					ConvKernelGradDirect(g, x, a0, a1, dz, f, beta, got.s(), buf.s())
					what := fmt.Sprintf("%+v, %d filters, rows [%d, %d), beta %v", g, f, a0, a1, beta)
					got.check(t, what)
					buf.check(t, what+" scratch")
					sameBits(t, what, got.s(), want)
					if convTapGradApplies(g, f, beta) {
						taps++
					}
				}
			}
		}
	}
	if tapKernelOn() && taps == 0 {
		t.Fatal("no case ran the three-tap kernel")
	}
	if spans == 0 {
		t.Fatal("no case had a block across images")
	}
}

// TestConvGradDirectApplies: no direct path for rows that start or end
// inside an output row, that span two images (but by Winograd, where it
// runs, or read in place where the images' rows follow as the output
// rows do), or whose kernel rows do not hold whole panels.
func TestConvGradDirectApplies(t *testing.T) {
	g := ConvGeom{N: 2, H: 8, W: 8, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 8, OW: 8}
	nr := kernelFor(16).nr
	if wino := Wino16GradApplies(g, 16); ConvGradDirectApplies(g, 16, 56, 72) != wino || ConvGradDirectApplies(g, 16, 0, 13) {
		t.Errorf("16 filters by Winograd (%v): rows [56, 72) %v, [0, 13) %v", wino, ConvGradDirectApplies(g, 16, 56, 72), ConvGradDirectApplies(g, 16, 0, 13))
	}
	defer func(off bool) { wino16GradOff = off }(wino16GradOff)
	wino16GradOff = true
	for _, c := range []struct{ f, a0, a1 int }{{nr, 3, 16}, {nr, 0, 13}, {nr, 56, 72}} {
		if ConvGradDirectApplies(g, c.f, c.a0, c.a1) {
			t.Errorf("%d filters, rows [%d, %d): direct path", c.f, c.a0, c.a1)
		}
	}
	g.KH, g.KW, g.C = 1, 1, 13 // kernel rows of 13 values: panels of one row
	if ConvGradDirectApplies(g, nr, 0, 16) {
		t.Error("1x1 kernel, C = 13: direct path")
	}
	g.KH, g.KW, g.C = 3, 3, 3 // kernel rows of 9 values: panels of 9 rows (3 in pure Go)
	if !ConvGradDirectApplies(g, nr, 0, 16) {
		t.Error("C = 3: no direct path")
	}
	// a 1x1 stride-2 kernel on 8x8: across images; on 7x7 (the last row
	// left out) not
	s2 := ConvGeom{N: 2, H: 8, W: 8, C: 16, KH: 1, KW: 1, SH: 2, SW: 2, OH: 4, OW: 4}
	if !ConvGradDirectApplies(s2, nr, 8, 24) {
		t.Error("1x1 stride 2, 8x8: no direct path across images")
	}
	s2.H, s2.W = 7, 7
	if ConvGradDirectApplies(s2, nr, 8, 24) || !ConvGradDirectApplies(s2, nr, 0, 16) {
		t.Error("1x1 stride 2, 7x7: direct path across images, or none within one")
	}
}
