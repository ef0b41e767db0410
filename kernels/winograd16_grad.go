package kernels

// The kernel gradient of Wino16Rows' convolutions (ConvKernelGradDirect
// for them) by Winograd F(2×2,3×3): over a block of output rows of one
// sample, a pair of rows at a time (an output-gradient row outside the
// block read as zeros), each tile's transformed input (wino16Input, in
// the L1 cache) multiplied point by point with its transformed output
// gradient A·dy·Aᵀ (computed in a register as the point needs it) and
// summed over the block's tiles into 16×16 sums per point
// (wino16GradProducts), then transformed back to the 3×3 kernel, Gᵀ·s·G
// (wino16GradWeights). 2.25 times fewer multiplies than the three-tap
// kernel; the sums run per point over tiles, not per tap over positions
// (other bits; TestWino16KernelGrad checks the error against float64).
// A block may span samples: its tiles' sums run on across them.

// wino16GradOff turns the Winograd kernel gradient off (tests and
// benchmarks: the three-tap kernel runs).
var wino16GradOff bool

// Wino16GradApplies reports whether ConvKernelGradDirect computes the
// kernel gradient of geometry g with f filters by Winograd.
func Wino16GradApplies(g ConvGeom, f int) bool { return wino16GradApplies(g, f) }

// wino16GradApplies is Wino16GradApplies unless a test turned it off.
func wino16GradApplies(g ConvGeom, f int) bool { return !wino16GradOff && Wino16Applies(g, f) }

// wino16GradLen is the scratch of wino16KernelGrad for g: a row of tiles'
// transformed input, the points' sums and a zero row (0 unless g has 16
// channels and Wino16Rows' shape).
func wino16GradLen(g ConvGeom) int {
	if !wino16Geom(g, 16) {
		return 0
	}
	return 16*wino16Pad(g.W)*16 + Wino16WeightsLen + g.W*16
}

// wino16KernelGrad sets grad (3×3×16×16) to the kernel gradient of output
// rows [a0, a1) (whole rows, any samples) of x, plus beta·grad (grad not
// read when beta is 0): the points' sums over every tile of the rows, in
// row order, then one transform back.
func wino16KernelGrad(g ConvGeom, x []float32, a0, a1 int, dz []float32, beta float32, grad, buf []float32) {
	vlen := 16 * wino16Pad(g.W) * 16
	s := buf[vlen:][:Wino16WeightsLen]
	clear(s)
	per, img := g.OH*g.OW, g.H*g.W*16
	for r := a0; r < a1; {
		n := r / per
		e := min(a1, (n+1)*per)
		wino16GradRows(g, x[n*img:(n+1)*img], r%per/g.OW, (e-1)%per/g.OW+1, dz[r*16:], s, buf)
		r = e
	}
	if beta != 0 && beta != 1 {
		for i := range grad[:9*256] {
			grad[i] *= beta
		}
	}
	wino16GradWeights(s, grad, beta != 0)
}

// wino16GradRows adds to the points' sums s the products of output rows
// [oh0, oh1) of sample xi, dz their output gradient (from row oh0's
// first position), a pair of rows at a time (a row outside [oh0, oh1)
// read as zeros).
func wino16GradRows(g ConvGeom, xi []float32, oh0, oh1 int, dz, s, buf []float32) {
	pad, rowLen, tiles := wino16Pad(g.W), g.W*16, g.W/2
	vlen := 16 * pad * 16
	v, zero := buf[:vlen], buf[vlen+Wino16WeightsLen:][:rowLen]
	clear(zero)
	var in [4][]float32             // the pair's input rows
	var inNext, dzNext [2][]float32 // the next pair's input rows and output gradient, to prefetch (by pointer: wino16Pair)
	for oh := oh0 &^ 1; oh < oh1; oh += 2 {
		d0, d1 := zero, zero
		if oh >= oh0 {
			d0 = dz[(oh-oh0)*rowLen:][:rowLen]
		}
		if oh+1 < oh1 {
			d1 = dz[(oh+1-oh0)*rowLen:][:rowLen]
		}
		for i := range dzNext {
			dzNext[i] = zero
			if r := oh + 2 + i; r < oh1 {
				dzNext[i] = dz[(r-oh0)*rowLen:][:rowLen]
			}
		}
		wino16InRows(&in, g, xi, 0, oh, zero)
		wino16NextRows(&inNext, g, xi, 0, oh, zero)
		wino16Input(&in, tiles, v, pad, &inNext)
		wino16GradProducts(tiles, v, d0, d1, pad, s, &dzNext)
	}
}
