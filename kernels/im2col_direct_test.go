package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvRowsDirect: ConvRowsDirect gives the bits of Im2colRows followed
// by SgemmSerial (where the three-tap kernels run, those of their order,
// tapConvRef), for patches inside the image and at its borders (read
// from the slab's padding), row ranges inside one image, starting and
// ending inside output rows, and across images, strides, kernel shapes,
// 'valid' and 'same' padding, f of one and two kernel widths, with and
// without a bias (y's old values never read); and writes nothing outside
// y.
func TestConvRowsDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	nr := kernelFor(16).nr
	var tried int
	for _, gc := range []ConvGeom{
		{N: 3, H: 9, W: 11, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 30, W: 30, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 9, W: 8, C: 16, KH: 3, KW: 3, SH: 2, SW: 2, PadTop: 0, PadLeft: 0},
		{N: 2, H: 10, W: 9, C: 3, KH: 3, KW: 2, SH: 2, SW: 1, PadTop: 1, PadLeft: 0},
		{N: 2, H: 7, W: 7, C: 5, KH: 1, KW: 1, SH: 2, SW: 2},
		{N: 2, H: 8, W: 30, C: 3, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 9, W: 12, C: 1, KH: 2, KW: 3, SH: 2, SW: 1},
	} {
		g := gc
		g.OH = (g.H+2*g.PadTop-g.KH)/g.SH + 1
		g.OW = (g.W+2*g.PadLeft-g.KW)/g.SW + 1
		x := values(rng, g.N*g.H*g.W*g.C)
		for i := range x {
			x[i] = float32(rng.NormFloat64()) // no NaNs or infinities: they would hide a zero padding read as data
		}
		k, m := g.Cols(), g.Rows()
		for _, f := range []int{nr, 2 * nr} {
			if !ConvDirectApplies(g, f) {
				t.Fatalf("%+v, %d filters: no direct path", g, f)
			}
			w := values(rng, k*f)
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			for _, rr := range [][2]int{{0, m}, {1, m - 2}, {g.OW + 1, min(m, 3*g.OW+5)}, {m - 2*g.OW - 1, m}, {m - g.OW + 1, m}} {
				for _, withBias := range []bool{false, true} {
					r0, r1 := rr[0], rr[1]
					var bias []float32
					var beta float32
					want := make([]float32, (r1-r0)*f)
					start := make([]float32, len(want)) // what y held: never read
					for i := range start {
						start[i] = float32(math.NaN())
					}
					if withBias {
						bias, beta = values(rng, f), 1
						for r := 0; r < r1-r0; r++ {
							copy(want[r*f:], bias)
						}
					}
					if convTapApplies(g, f) {
						want = tapConvRef(g, x, r0, r1, w, f, bias)
					} else {
						cols := make([]float32, (r1-r0)*k)
						Im2colRowsSerial(g, x, r0, r1, cols)
						SgemmSerial(false, false, r1-r0, f, k, 1, cols, k, w, f, beta, want, f)
					}
					got := newBanded(start)
					ConvRowsDirect(g, x, r0, r1, w, f, bias, got.s(), make([]float32, ConvDirectLen(g, r1-r0)))
					what := fmt.Sprintf("%+v, %d filters, rows [%d, %d), bias %v", g, f, r0, r1, withBias)
					got.check(t, what)
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

// TestConvDirectApplies: no direct path for a width that is not a
// multiple of the kernel's, nor for a reduction Sgemm cuts into k-blocks.
func TestConvDirectApplies(t *testing.T) {
	g := ConvGeom{N: 1, H: 8, W: 8, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 8, OW: 8}
	if ConvDirectApplies(g, 3) {
		t.Error("3 filters: direct path")
	}
	g.C = 256 // a reduction of 2304: several k-blocks
	if ConvDirectApplies(g, 16) {
		t.Error("C = 256: direct path")
	}
}
