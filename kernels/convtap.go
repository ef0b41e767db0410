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
// (+ bias[j] when bias is not nil), in that order with one FMA per term;
// edges (tapLeft, tapRight) leave out the terms of input pixel 0 (x then
// starts at pixel 1) or rows+1, which are not read (padding read in
// place).
type tapKernelFunc func(rows, edges, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32)

// A tap kernel call's edges.
const (
	tapLeft  = 1
	tapRight = 2
	tapBoth  = tapLeft | tapRight
)

// tapPixels is how many input pixels a call of rows positions with edges
// reads per kernel row.
func tapPixels(rows, edges int) int {
	n := rows + 2
	if edges&tapLeft != 0 {
		n--
	}
	if edges&tapRight != 0 {
		n--
	}
	return n
}

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
			tapKernel(rows, 0, g.KH, g.C, a[i*g.C:], d.row, d.w[j:], d.f, out[j:], d.f, bias)
		}
		i += rows
	}
}

// tapInPlace reports whether the three-tap path reads x in place rather
// than from a zero-padded slab: at most one pixel of padding on either
// side of a row (an edge call leaves its term out) and every output row
// meeting at least one input row (kernel rows in the padding are left
// out). Leaving out a zero term changes no sum (an FMA adding 0·w to a
// sum that started at +0 returns the sum), unless w is infinite or NaN.
func tapInPlace(g ConvGeom) bool {
	_, padRight := slabWidth(g)
	return g.PadLeft <= 1 && padRight <= 1 && g.PadTop < g.KH && (g.OH-1)*g.SH-g.PadTop < g.H
}

// tapRowsInPlace computes rows [r0, r1) of the output with the three-tap
// kernels reading x in place, one output row's part at a time: the
// kernel rows inside the image, calls at the row's ends leaving out the
// padding's pixel (a whole row's calls planned once).
func (d *directConv) tapRowsInPlace(x []float32, r0, r1 int) {
	g := d.g
	per, img, rowLen := g.OH*g.OW, g.H*g.W*g.C, g.W*g.C
	n, oh, ow0 := r0/per, r0%per/g.OW, r0%g.OW
	var bufs [2][16]tapCall
	whole := tapSplit(g, 0, g.OW, bufs[0][:0])
	for q := r0; q < r1; {
		count := min(g.OW-ow0, r1-q)
		calls := whole
		if count != g.OW {
			calls = tapSplit(g, ow0, count, bufs[1][:0])
		}
		ih0 := oh*g.SH - g.PadTop
		kh0, kh1 := max(0, -ih0), min(g.KH, g.H-ih0)
		xr := x[n*img+(ih0+kh0)*rowLen:]
		w := d.w[kh0*g.KW*g.C*d.f:]
		out := d.y[(q-d.r0)*d.f:]
		for _, c := range calls {
			for j := 0; j < d.f; j += 16 {
				var bias []float32
				if d.bias != nil {
					bias = d.bias[j:]
				}
				tapKernel(c.rows, c.edges, kh1-kh0, g.C, xr[c.p*g.C:], rowLen, w[j:], d.f, out[c.i*d.f+j:], d.f, bias)
			}
		}
		q += count
		if ow0 = 0; oh == g.OH-1 {
			oh, n = 0, n+1
		} else {
			oh++
		}
	}
}

// tapCall is one kernel call of an output row's part read in place: rows
// positions from the part's i-th, edges, input pixel p first.
type tapCall struct{ i, rows, edges, p int }

// tapSplit appends to dst the calls of count positions of an output row
// from position ow0: as even a number of positions each as tapMaxRows
// allows.
func tapSplit(g ConvGeom, ow0, count int, dst []tapCall) []tapCall {
	calls := ceilDiv(count, tapMaxRows)
	for c, i := 0, 0; c < calls; c++ {
		rows := (c+1)*count/calls - c*count/calls
		p := ow0 + i - g.PadLeft // the call's first input pixel
		edges := 0
		if p < 0 {
			edges, p = tapLeft, 0
		}
		if ow0+i+rows+1-g.PadLeft >= g.W {
			edges |= tapRight
		}
		dst = append(dst, tapCall{i: i, rows: rows, edges: edges, p: p})
		i += rows
	}
	return dst
}

// convTapGo is the three-tap kernel in Go, for the tests: the kernels'
// terms in their order, each FMA as math.FMA in float64 rounded to
// float32 (the same value but where that double rounding differs, a
// rare last-bit difference).
func convTapGo(rows, edges, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32) {
	first, last := 0, rows+1 // the pixels read
	if edges&tapLeft != 0 {
		first = 1
	}
	if edges&tapRight != 0 {
		last--
	}
	var acc [16]float32
	for i := 0; i < rows; i++ {
		clear(acc[:])
		for h := 0; h < kh; h++ {
			for ch := 0; ch < c; ch++ {
				for t := 0; t < 3; t++ {
					if i+t < first || i+t > last {
						continue
					}
					xv := float64(x[h*ldx+(i+t-first)*c+ch])
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
