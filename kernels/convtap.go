package kernels

import "math"

// Three-tap convolutions (ConvRowsDirect's path for stride-1 kernels of
// three columns and a multiple of 16 filters, where the AVX-512 kernels
// run). Output position i of a call of rows positions reads input pixels
// i, i+1, i+2 of each kernel row (in the slab), so each input value
// meets up to three positions, one per kernel column: the kernel
// broadcasts it once and adds it into all of them, a k-step of three
// FMAs per load rather than one (the segmented SGEMM kernels' patch
// rows). Each output's sum runs from zero over kernel rows, then input
// channels, then kernel columns (Im2colRows' order is kernel rows, kernel
// columns, channels: the bits differ from the im2col path's), and the
// bias is added last.

// tapKernelFunc computes rows consecutive output positions, 16 filters:
// y[i*ldy+j] = Σ_{h<kh} Σ_{ch<c} Σ_{t<3} x[h*ldx+(i+t)*c+ch]·w[((h*3+t)*c+ch)*ldw+j]
// (+ bias[j] when bias is not nil), in that order with one FMA per term.
type tapKernelFunc func(rows, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32)

// tapOff turns the three-tap kernels off (tests and benchmarks: the
// segmented SGEMM kernels' path).
var tapOff bool

// tapMaxRows is the most positions one tap kernel call computes.
const tapMaxRows = 24

// convTapApplies reports whether ConvRowsDirect computes a convolution of
// geometry g with f filters with the three-tap kernels: stride 1 across,
// three kernel columns, a multiple of 16 filters, where this build and
// CPU have the vector kernel.
func convTapApplies(g ConvGeom, f int) bool {
	return !tapOff && tapKernelOn() && g.SW == 1 && g.KW == 3 && f%16 == 0 && f > 0
}

// ConvTapApplies reports whether ConvRowsDirect computes a convolution of
// geometry g with f filters with the three-tap kernels (sums in the
// order kernel rows, channels, kernel columns: not Im2colRows' bits).
func ConvTapApplies(g ConvGeom, f int) bool { return ConvDirectApplies(g, f) && convTapApplies(g, f) }

// tapPositions computes count consecutive positions of one output row
// with the three-tap kernel, output row r first, whose first patch starts
// at a in the slab: calls of as even a number of positions as
// tapMaxRows allows, 16 filters at a time.
func (d *directConv) tapPositions(a []float32, count, r int) {
	g := d.g
	calls := ceilDiv(count, tapMaxRows)
	for c, i := 0, 0; c < calls; c++ {
		rows := (c+1)*count/calls - c*count/calls
		out := d.y[(r+i-d.r0)*d.f:]
		for j := 0; j < d.f; j += 16 {
			var bias []float32
			if d.bias != nil {
				bias = d.bias[j:]
			}
			tapKernel(rows, g.KH, g.C, a[i*g.C:], d.row, d.w[j:], d.f, out[j:], d.f, bias)
		}
		i += rows
	}
}

// convTapGo is the three-tap kernel in Go, for the tests: the kernels'
// terms in their order, each FMA as math.FMA in float64 rounded to
// float32 (the same value but where that double rounding differs, a
// rare last-bit difference).
func convTapGo(rows, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32) {
	var acc [16]float32
	for i := 0; i < rows; i++ {
		clear(acc[:])
		for h := 0; h < kh; h++ {
			for ch := 0; ch < c; ch++ {
				for t := 0; t < 3; t++ {
					xv := float64(x[h*ldx+(i+t)*c+ch])
					wr := w[((h*3+t)*c+ch)*ldw:][:16]
					for j := range acc {
						acc[j] = float32(math.FMA(xv, float64(wr[j]), float64(acc[j])))
					}
				}
			}
		}
		for j := range acc {
			if bias != nil {
				acc[j] += bias[j]
			}
			y[i*ldy+j] = acc[j]
		}
	}
}
