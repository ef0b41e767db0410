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

// Col2imRows is Im2colRows' adjoint: it adds the entries of dcols, rows
// [r0, r1) of a patch-matrix gradient ((r1-r0)×Cols() values), into dx
// (N×H×W×C), which the caller clears before the first tile. Threads
// split the input rows the tile touches (each thread adds only into its
// band of rows, visiting the patches in row order), so every dx element
// receives its terms in the same order whatever the threads and however
// the rows are tiled: the same sums as Col2im.
func Col2imRows(g ConvGeom, dcols []float32, r0, r1 int, dx []float32) {
	checkRows(g, r0, r1, len(dx), len(dcols), "Col2imRows")
	if r1 == r0 {
		return
	}
	// The span of input rows, numbered n*H + ih across the batch, that
	// the tile's patches touch.
	per := g.OH * g.OW
	n0, oh0 := r0/per, r0%per/g.OW
	n1, oh1 := (r1-1)/per, (r1-1)%per/g.OW
	lo := n0*g.H + max(0, oh0*g.SH-g.PadTop)
	hi := n1*g.H + min(g.H, oh1*g.SH-g.PadTop+g.KH)
	if hi <= lo {
		return // every patch lies in the padding
	}
	ForEachChunk(hi-lo, minBandRows, func(a, b int) {
		col2imBand(g, dcols, r0, r1, lo+a, lo+b, dx)
	})
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

// im2colRange writes patch rows [r0, r1) into cols.
func im2colRange(g ConvGeom, x []float32, r0, r1 int, cols []float32) {
	k, per, img := g.Cols(), g.OH*g.OW, g.H*g.W*g.C
	for r := r0; r < r1; r++ {
		n, p := r/per, r%per
		oh, ow := p/g.OW, p%g.OW
		im2colPatch(g, x[n*img:(n+1)*img], oh*g.SH-g.PadTop, ow*g.SW-g.PadLeft, cols[(r-r0)*k:(r-r0+1)*k])
	}
}

// col2imBand adds patch-gradient rows [r0, r1) (dcols) into dx, only
// where they land in the input rows [lo, hi) (numbered n*H + ih), in
// row order.
func col2imBand(g ConvGeom, dcols []float32, r0, r1, lo, hi int, dx []float32) {
	k, per, img := g.Cols(), g.OH*g.OW, g.H*g.W*g.C
	for r := r0; r < r1; r++ {
		n, p := r/per, r%per
		oh, ow := p/g.OW, p%g.OW
		ih0 := oh*g.SH - g.PadTop
		a, b := max(0, lo-n*g.H), min(g.H, hi-n*g.H) // the band within image n
		if ih0+g.KH <= a || ih0 >= b {
			continue
		}
		col2imPatchRows(g, dcols[(r-r0)*k:(r-r0+1)*k], ih0, ow*g.SW-g.PadLeft, a, b, dx[n*img:(n+1)*img])
	}
}
