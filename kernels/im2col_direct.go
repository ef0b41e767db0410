package kernels

// A convolution's patches read in place. Patch row r of an output
// position is, kernel row by kernel row, KW*C contiguous values of the
// zero-padded input (a slab of input rows, as ConvKernelGradDirect's),
// the next kernel row a padded row further on, and the next position's
// patch SW*C values on: a matrix that a micro-kernel reading A in
// segments (sgemmKernel.seg) takes straight from the slab.
// ConvRowsDirect computes every position that way, those at the image's
// borders too (the padding's zeros are read from the slab as Im2colRows
// writes them), with the sums (and so the bits) of Im2colRows followed
// by Sgemm. Where no patch reaches into the padding (a 1x1 strided
// kernel), the slab is the input itself. Stride-1 kernels of three
// columns with a multiple of 16 filters run the three-tap kernels instead
// where they exist (convtap.go: each input value broadcast once for the
// three taps that read it; the sums in another order, other bits),
// reading x in place where the padding is at most a pixel on each side
// (tapInPlace: the padding's zero terms left out, not read).

// ConvDirectLen is the length of the buffer ConvRowsDirect needs for at
// most rows output positions of a convolution of geometry g: the slab of
// the input rows they cover within one image.
func ConvDirectLen(g ConvGeom, rows int) int {
	wp, _ := slabWidth(g)
	outRows := min(g.OH, ceilDiv(max(1, rows), g.OW)+1)
	return ((outRows-1)*g.SH + g.KH) * wp * g.C
}

// ConvDirectApplies reports whether ConvRowsDirect computes a convolution
// of geometry g with f filters: when the micro-kernel Sgemm uses for f
// columns has a segmented variant, f is a multiple of its width and
// Sgemm sums a patch row as one k-block.
func ConvDirectApplies(g ConvGeom, f int) bool {
	kern := kernelFor(f)
	nkb, _ := kBlocks(kern, g.Cols())
	return kern.seg != nil && f > 0 && f%kern.nr == 0 && nkb == 1 && g.Cols() > 0 && g.OW > 0
}

// ConvRowsDirect sets y (rows [r0, r1) of a convolution's output before
// the activation, f values each) to P·w + bias, where P holds x's patch
// rows [r0, r1) (Im2colRows) and w is the kernel (Cols()×f), with the bits
// of Im2colRows followed by SgemmSerial(false, false, r1-r0, f, Cols(), 1,
// P, Cols(), w, f, 1, y, f) on y filled with the bias (beta 0, y not
// read, when bias is nil), on the calling goroutine; where
// ConvTapApplies(g, f), with the three-tap kernels' sums instead (each
// output from zero over kernel rows, channels, kernel columns, the bias
// added last). buf holds at least
// ConvDirectLen(g, r1-r0) values. It panics unless ConvDirectApplies(g, f).
func ConvRowsDirect(g ConvGeom, x []float32, r0, r1 int, w []float32, f int, bias, y, buf []float32) {
	if !ConvDirectApplies(g, f) {
		panic("kernels.ConvRowsDirect: no segmented kernel for this convolution")
	}
	checkRows(g, r0, r1, len(x), g.Cols()*(r1-r0), "ConvRowsDirect")
	if len(y) < (r1-r0)*f || len(w) < g.Cols()*f || len(buf) < ConvDirectLen(g, r1-r0) || bias != nil && len(bias) < f {
		panic("kernels.ConvRowsDirect: slice too short")
	}
	d := directConv{g: g, kern: kernelFor(f), w: w, f: f, bias: bias, y: y, r0: r0, tap: convTapApplies(g, f)}
	if bias != nil {
		d.beta = 1
	}
	if d.tap && tapInPlace(g) {
		d.tapRowsInPlace(x, r0, r1)
		return
	}
	per, img := g.OH*g.OW, g.H*g.W*g.C
	wp, _ := slabWidth(g)
	d.row = wp * g.C
	for r := r0; r < r1; { // one image's rows at a time
		n := r / per
		e := min(r1, (n+1)*per)
		oh0 := r % per / g.OW
		outRows := (e-1)%per/g.OW - oh0 + 1
		var slab []float32
		if unpadded(g) { // the image is its own slab
			slab = x[n*img+oh0*g.SH*d.row : (n+1)*img]
		} else {
			slab = fillSlabRows(g, x[n*img:(n+1)*img], oh0, (outRows-1)*g.SH+g.KH, buf)
		}
		for q := r; q < e; { // one output row's part at a time
			oh, ow0 := q%per/g.OW, q%g.OW
			count := min(g.OW-ow0, e-q)
			d.positions(slab[(oh-oh0)*g.SH*d.row+ow0*g.SW*g.C:], count, q)
			q += count
		}
		r = e
	}
}

// unpadded reports whether every patch of g lies inside the image (no
// padding is read): the slab is then the image itself (slabWidth is W).
func unpadded(g ConvGeom) bool {
	_, padRight := slabWidth(g)
	return g.PadTop == 0 && g.PadLeft == 0 && padRight == 0 && (g.OH-1)*g.SH+g.KH <= g.H
}

// directConv is one ConvRowsDirect call: its operands.
type directConv struct {
	g    ConvGeom
	kern *sgemmKernel
	w    []float32
	f    int
	bias []float32 // nil: none
	beta float32   // 1 with a bias, 0 without
	y    []float32 // output row r at (r-r0)*f
	r0   int
	row  int  // values in a slab row
	tap  bool // the three-tap kernels run (convtap.go)
}

// positions computes count consecutive positions of one output row,
// output row r first, whose first patch starts at a in the slab.
func (d *directConv) positions(a []float32, count, r int) {
	if d.tap {
		d.tapPositions(a, count, r)
		return
	}
	g, kern, k := d.g, d.kern, d.g.Cols()
	segLen := g.KW * g.C
	// Calls of as even a number of rows as the kernel's allows (30 as
	// 10+10+10, not 12+12+6): a kernel of few rows has too few
	// accumulators to keep the FMA units busy.
	calls := ceilDiv(count, kern.mr)
	for c, i := 0, 0; c < calls; c++ {
		rows := (c+1)*count/calls - c*count/calls
		out := d.y[(r+i-d.r0)*d.f:]
		for j := 0; j < d.f; j += kern.nr {
			cin, ldcin := out[j:], d.f // beta 0: not read
			if d.bias != nil {
				cin, ldcin = d.bias[j:], 0
			}
			kern.seg[rows-1](k, a[i*g.SW*g.C:], g.SW*g.C, 1, d.w[j:], d.f, out[j:], d.f, 1, d.beta, segLen, d.row-segLen, cin, ldcin)
		}
		i += rows
	}
}
