package kernels

// Im2colRows writes rows [r0, r1) of x's patch matrix (the rows Im2col
// writes, row r being output position r of the batch) into cols, which
// holds (r1-r0)×Cols() values: one tile of a tiled convolution, so that
// a convolution never needs the whole batch's patch matrix at once. The
// rows are split over threads; the result does not depend on them.
func Im2colRows(g ConvGeom, x []float32, r0, r1 int, cols []float32) {
	k := g.Cols()
	checkRows(g, r0, r1, len(x), len(cols), "Im2colRows")
	ForEachChunk(r1-r0, max(1, minChunkValues/k), func(lo, hi int) {
		im2colRange(g, x, r0+lo, r0+hi, cols[lo*k:hi*k])
	})
}

// Im2colRowsSerial is Im2colRows on the calling goroutine only.
func Im2colRowsSerial(g ConvGeom, x []float32, r0, r1 int, cols []float32) {
	checkRows(g, r0, r1, len(x), len(cols), "Im2colRowsSerial")
	im2colRange(g, x, r0, r1, cols[:(r1-r0)*g.Cols()])
}

// Col2imRows is Im2colRows' adjoint: it adds the entries of dcols, rows
// [r0, r1) of a patch-matrix gradient ((r1-r0)×Cols() values), into dx
// (N×H×W×C), which the caller clears before the first tile. Threads
// split the input rows the tile touches (each thread adds only into its
// band of rows, visiting the patches in row order), so every dx element
// receives its terms in the same order whatever the threads and however
// the rows are tiled: the same sums as Col2im.
func Col2imRows(g ConvGeom, dcols []float32, r0, r1 int, dx []float32) {
	checkRows(g, r0, r1, len(dx), len(dcols), "Col2imRows")
	lo, hi := col2imSpan(g, r0, r1)
	ForEachChunk(hi-lo, minBandRows, func(a, b int) {
		col2imBand(g, dcols, r0, r1, lo+a, lo+b, dx)
	})
}

// Col2imRowsSerial is Col2imRows on the calling goroutine only, with the
// same sums.
func Col2imRowsSerial(g ConvGeom, dcols []float32, r0, r1 int, dx []float32) {
	checkRows(g, r0, r1, len(dx), len(dcols), "Col2imRowsSerial")
	if lo, hi := col2imSpan(g, r0, r1); hi > lo {
		col2imBand(g, dcols, r0, r1, lo, hi, dx)
	}
}

// col2imSpan is the span [lo, hi) of input rows, numbered n*H + ih across
// the batch, that the patches of rows [r0, r1) touch (empty when every
// patch lies in the padding).
func col2imSpan(g ConvGeom, r0, r1 int) (lo, hi int) {
	if r1 == r0 {
		return 0, 0
	}
	per := g.OH * g.OW
	n0, oh0 := r0/per, r0%per/g.OW
	n1, oh1 := (r1-1)/per, (r1-1)%per/g.OW
	lo = n0*g.H + max(0, oh0*g.SH-g.PadTop)
	hi = n1*g.H + min(g.H, oh1*g.SH-g.PadTop+g.KH)
	return lo, max(lo, hi)
}

const (
	// minChunkValues is the least patch-matrix values worth another thread.
	minChunkValues = 1 << 14
	// minBandRows is the fewest input rows worth another thread in
	// Col2imRows (each thread scans all of the tile's patches).
	minBandRows = 4
)

func checkRows(g ConvGeom, r0, r1, nx, ncols int, name string) {
	if r0 < 0 || r1 < r0 || r1 > g.Rows() {
		panic("kernels." + name + ": row range out of bounds")
	}
	if nx < g.N*g.H*g.W*g.C || ncols < (r1-r0)*g.Cols() {
		panic("kernels." + name + ": slice too short")
	}
}

// im2colRange writes patch rows [r0, r1) into cols, one output row's
// part at a time: the patches at its left and right edges one by one,
// those in between (wholly inside the image's width) a kernel row of all
// of them at a time (im2colStretch).
func im2colRange(g ConvGeom, x []float32, r0, r1 int, cols []float32) {
	k, img := g.Cols(), g.H*g.W*g.C
	lo, hi := insideCols(g)
	for r := r0; r < r1; {
		n, oh, ow0, ow1 := rowPart(g, r, r1)
		xi, dst := x[n*img:(n+1)*img], cols[(r-r0)*k:]
		ih0 := oh*g.SH - g.PadTop
		a, b := stretch(ow0, ow1, lo, hi)
		for ow := ow0; ow < ow1; ow++ {
			if ow == a {
				im2colStretch(g, xi, ih0, a*g.SW-g.PadLeft, b-a, dst[(a-ow0)*k:])
				if ow = b; ow == ow1 {
					break
				}
			}
			im2colPatch(g, xi, ih0, ow*g.SW-g.PadLeft, dst[(ow-ow0)*k:(ow-ow0+1)*k])
		}
		r += ow1 - ow0
	}
}

// rowPart locates row r of the patch matrix: image n, output row oh, and
// the output columns [ow0, ow1) of that row that lie in [r, r1).
func rowPart(g ConvGeom, r, r1 int) (n, oh, ow0, ow1 int) {
	per := g.OH * g.OW
	n, p := r/per, r%per
	oh, ow0 = p/g.OW, p%g.OW
	return n, oh, ow0, ow0 + min(r1-r, g.OW-ow0)
}

// insideCols is the output columns [lo, hi) whose patches lie wholly
// inside the image's width.
func insideCols(g ConvGeom) (lo, hi int) {
	lo = (g.PadLeft + g.SW - 1) / g.SW
	if last := g.W - g.KW + g.PadLeft; last >= 0 {
		hi = min(g.OW, last/g.SW+1)
	}
	return lo, max(lo, hi)
}

// stretch is the part [a, b) of the output columns [ow0, ow1) that lies
// inside [lo, hi); a == b == ow1 when none does.
func stretch(ow0, ow1, lo, hi int) (a, b int) {
	a, b = max(ow0, lo), min(ow1, hi)
	if a >= b {
		return ow1, ow1
	}
	return a, b
}

// im2colStretch writes count consecutive patches of an output row, all
// inside the image's width (the first at column iw0), into dst (rows of
// Cols() values): each kernel row of all of them as one copyRuns.
func im2colStretch(g ConvGeom, x []float32, ih0, iw0, count int, dst []float32) {
	k, runLen := g.Cols(), g.KW*g.C
	for kh := 0; kh < g.KH; kh++ {
		d := dst[kh*runLen:]
		if ih := ih0 + kh; ih >= 0 && ih < g.H {
			copyRuns(d, x[(ih*g.W+iw0)*g.C:], count, runLen, k, g.SW*g.C)
			continue
		}
		for i := 0; i < count; i++ {
			clear(d[i*k : i*k+runLen])
		}
	}
}

// col2imBand adds patch-gradient rows [r0, r1) (dcols) into dx, only
// where they land in the input rows [lo, hi) (numbered n*H + ih), in
// row order: one output row's part at a time, its edge patches one by
// one, those in between a kernel row of all of them at a time (an input
// row meets a single kernel row of an output row's patches, so each dx
// element still gets its terms patch by patch, in row order).
func col2imBand(g ConvGeom, dcols []float32, r0, r1, lo, hi int, dx []float32) {
	k, img := g.Cols(), g.H*g.W*g.C
	clo, chi := insideCols(g)
	for r := r0; r < r1; {
		n, oh, ow0, ow1 := rowPart(g, r, r1)
		ih0 := oh*g.SH - g.PadTop
		a, b := max(0, lo-n*g.H), min(g.H, hi-n*g.H) // the band within image n
		if ih0+g.KH > a && ih0 < b {
			src, dxi := dcols[(r-r0)*k:], dx[n*img:(n+1)*img]
			sa, sb := stretch(ow0, ow1, clo, chi)
			for ow := ow0; ow < ow1; ow++ {
				if ow == sa {
					col2imStretch(g, src[(sa-ow0)*k:], ih0, sa*g.SW-g.PadLeft, sb-sa, a, b, dxi)
					if ow = sb; ow == ow1 {
						break
					}
				}
				col2imPatchRows(g, src[(ow-ow0)*k:(ow-ow0+1)*k], ih0, ow*g.SW-g.PadLeft, a, b, dxi)
			}
		}
		r += ow1 - ow0
	}
}

// col2imStretch adds count consecutive patch gradients of an output row,
// all inside the image's width (the first at column iw0), into dx where
// their kernel rows land in the input rows [lo, hi): each kernel row of
// all of them as one addRuns.
func col2imStretch(g ConvGeom, src []float32, ih0, iw0, count, lo, hi int, dx []float32) {
	k, runLen := g.Cols(), g.KW*g.C
	for kh := 0; kh < g.KH; kh++ {
		if ih := ih0 + kh; ih >= lo && ih < hi {
			addRuns(dx[(ih*g.W+iw0)*g.C:], src[kh*runLen:], count, runLen, g.SW*g.C, k)
		}
	}
}
