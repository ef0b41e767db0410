package kernels

// Winograd F(2×2,3×3) for the 3×3 stride-1 convolutions of 16 channels
// and 16 filters padded by one pixel ("same": resnet-20's stage-1 layers
// and, through DxTapGeom, their input gradients). A pixel's 16 values
// are one vector, so the transforms are vertical adds of whole pixels; a
// pair of output rows (a row of 2×2 tiles) goes through three passes
// over a scratch of its tiles' 16 transformed points that stays in the
// L1 cache: the input transform Bᵀ·d·B, the 16 points' 16×16 products
// (the transformed weights of a point in registers, each channel's value
// broadcast; the products written over the transformed input), and the
// output transform Aᵀ·m·A with the bias. 16·16 multiplies per point and
// tile: 2.25 times fewer than the direct sums (the three-tap kernels),
// with the rounding of Winograd's transforms (Wino16Rows; checked against
// the float64 direct sums in TestWino16Error).

// wino16Off turns the 16-channel Winograd path off (tests and
// benchmarks: the three-tap kernels run).
var wino16Off bool

// wino16Group is how many tiles the products pass computes at once: a
// row's tile count is rounded up to it in the scratch.
const wino16Group = 16

// Wino16Applies reports whether Wino16Rows computes a convolution of
// geometry g with f filters: 3×3, stride 1, one pixel of padding on
// every side (the output the input's size), 16 channels and filters, an
// even width, where this build and CPU have the vector passes.
func Wino16Applies(g ConvGeom, f int) bool { return !wino16Off && wino16On() && wino16Geom(g, f) }

// wino16Geom reports whether Wino16Rows takes geometry g with f filters
// (in any build: the Go twins run where the vector passes do not).
func wino16Geom(g ConvGeom, f int) bool {
	return f == 16 && g.C == 16 && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 &&
		g.PadTop == 1 && g.PadLeft == 1 && g.OH == g.H && g.OW == g.W && g.W%2 == 0 && g.W >= 2 && g.H >= 1
}

// Wino16WeightsLen is the length of a convolution's transformed weights.
const Wino16WeightsLen = 16 * 16 * 16

// wino16Pad is a row's tile count rounded up to whole product groups.
func wino16Pad(w int) int { return ceilDiv(w/2, wino16Group) * wino16Group }

// Wino16Len is the length of the scratch Wino16Rows needs for geometry
// g: a row of tiles' transformed points, a zero input row and two output
// rows.
func Wino16Len(g ConvGeom) int { return 16*wino16Pad(g.W)*16 + 3*g.W*16 }

// Wino16Weights sets u to the transformed weights of the 3×3 kernel w
// (3×3×16×16, Keras' kh, kw, channel, filter) as WinogradKernel does
// (u[(p*16+c)*16+f] = (G·g·Gᵀ)[p], WinogradKernel's bits), on the
// calling goroutine.
func Wino16Weights(w, u []float32) {
	_, _ = w[9*256-1], u[Wino16WeightsLen-1]
	for c := 0; c < 16; c++ {
		wino.kernelRow(w[c*16:], 256, 16, u[c*16:])
	}
}

// Wino16FlipWeights sets uT to the transformed weights of the input
// gradient's kernel (the kernel flipped, its channels and filters
// swapped: DxTapGeom's convolution) from the forward ones u, as
// WinogradFlipFrom does, on the calling goroutine.
func Wino16FlipWeights(u, uT []float32) {
	_, _ = u[Wino16WeightsLen-1], uT[Wino16WeightsLen-1]
	pi := [4]int{3, 1, 2, 0}
	for p := 0; p < 16; p++ {
		transposeBlocked(u[(4*pi[p/4]+pi[p%4])*256:][:256], 16, 16, uT[p*256:][:256])
	}
}

// Wino16Rows sets y to rows [r0, r1) of a convolution's output before the
// activation (16 values each) by Winograd F(2×2,3×3): x the input, u the
// kernel's transformed weights (Wino16Weights), plus bias when not nil,
// on the calling goroutine. y may hold rows past r1: it prefetches the
// first two of them (the next call's, often, whose first stores would
// otherwise wait for their cache lines) and never writes them. Each pair of output rows (2k, 2k+1) of a
// sample is computed whole (into buf where the range cuts it), so any cut
// of the rows gives the same bits. buf holds at least Wino16Len(g)
// values. It panics unless g is such a convolution (Wino16Applies(g, 16)
// but for the build: without the vector passes their Go twins run).
func Wino16Rows(g ConvGeom, x []float32, r0, r1 int, u, bias, y, buf []float32) {
	if !wino16Geom(g, 16) {
		panic("kernels.Wino16Rows: not a 16-channel 3x3 same convolution")
	}
	checkRows(g, r0, r1, len(x), g.Cols()*(r1-r0), "Wino16Rows")
	if len(y) < (r1-r0)*16 || len(u) < Wino16WeightsLen || len(buf) < Wino16Len(g) || bias != nil && len(bias) < 16 {
		panic("kernels.Wino16Rows: slice too short")
	}
	pad, rowLen := wino16Pad(g.W), g.W*16
	v := buf[:16*pad*16]
	zero, tmp := buf[len(v):][:rowLen], buf[len(v)+rowLen:][:2*rowLen]
	clear(zero)
	if tiles := g.W / 2; tiles < pad { // the groups' spare tiles: zeros, never stored
		for p := 0; p < 16; p++ {
			clear(v[(p*pad+tiles)*16 : (p+1)*pad*16])
		}
	}
	per := g.OH * g.OW
	var in [4][]float32      // the pair's input rows
	var pf, out [2][]float32 // the next pair's input rows and output rows, to prefetch
	for r := r0; r < r1; {
		n, oh := r/per, r%per/g.OW&^1
		start := n*per + oh*g.OW
		end := min(start+2*g.OW, (n+1)*per)
		wino16InRows(&in, g, x, n, oh, zero)
		wino16NextRows(&pf, g, x, n, oh, zero)
		out[0], out[1] = zero, zero
		if start >= r0 && end <= r1 {
			y0, y1 := y[(start-r0)*16:][:rowLen], tmp[rowLen:]
			if end-start == 2*g.OW {
				y1 = y[(start-r0)*16+rowLen:][:rowLen]
			}
			if (end-r0+2*g.OW)*16 <= len(y) { // past r1 too, where y holds them
				out[0], out[1] = y[(end-r0)*16:][:rowLen], y[(end-r0)*16+rowLen:][:rowLen]
			}
			wino16Pair(g, &in, &pf, &out, u, bias, y0, y1, v)
		} else {
			wino16Pair(g, &in, &pf, &out, u, bias, tmp[:rowLen], tmp[rowLen:], v)
			lo, hi := max(start, r0), min(end, r1)
			copy(y[(lo-r0)*16:(hi-r0)*16], tmp[(lo-start)*16:(hi-start)*16])
		}
		r = end
	}
}

// wino16Pair computes a pair of output rows into y0 and y1 from its input
// rows in, through the scratch v, prefetching the next pair's input rows
// pf and output rows out. The rows go by pointer, as to the passes: an
// array of slices passed by value is copied at each call (a 96-byte copy
// per pair whose loads wait on the stores that just wrote it).
func wino16Pair(g ConvGeom, in *[4][]float32, pf, out *[2][]float32, u, bias, y0, y1, v []float32) {
	pad, tiles := wino16Pad(g.W), g.W/2
	wino16Input(in, tiles, v, pad, pf)
	wino16Products(pad/wino16Group, v, pad, u)
	wino16Output(v, pad, tiles, y0, y1, bias, out)
}

// wino16InRows sets rows to the input rows oh-1 .. oh+2 of sample n of x
// that output rows oh, oh+1 read, zero for those outside the image.
func wino16InRows(rows *[4][]float32, g ConvGeom, x []float32, n, oh int, zero []float32) {
	rowLen := g.W * 16
	for i := range rows {
		if ih := oh - 1 + i; ih >= 0 && ih < g.H {
			rows[i] = x[(n*g.H+ih)*rowLen:][:rowLen]
		} else {
			rows[i] = zero
		}
	}
}

// wino16NextRows sets pf to the two input rows that the pair of output
// rows after (n, oh) reads first (zero past x's end): oh+3 and oh+4, or
// the next sample's rows 0 and 1.
func wino16NextRows(pf *[2][]float32, g ConvGeom, x []float32, n, oh int, zero []float32) {
	rowLen := g.W * 16
	first := n*g.H + oh + 3
	if oh+2 >= g.OH {
		first = (n + 1) * g.H
	}
	for i := range pf {
		pf[i] = zero
		if r := first + i; (r+1)*rowLen <= len(x) {
			pf[i] = x[r*rowLen:][:rowLen]
		}
	}
}
