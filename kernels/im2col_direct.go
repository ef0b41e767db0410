package kernels

// A convolution's patches read in place. Patch row r of an output
// position whose patch lies wholly inside the image is, kernel row by
// kernel row, KW*C contiguous values of x, the next kernel row W*C values
// further on, and the next position's patch SW*C values on: a matrix that
// a micro-kernel reading A in segments (sgemmKernel.seg) takes straight
// from x. ConvRowsDirect computes such positions that way, with the sums
// (and so the bits) of Im2colRows followed by Sgemm, and gathers the
// others (the positions at the image's borders, whose patches reach into
// the padding) into a small buffer for Sgemm.

// directGather is how many border patches ConvRowsDirect gathers before
// one product of them.
const directGather = 48

// ConvDirectLen is the length of the buffer ConvRowsDirect needs for a
// convolution of geometry g with f filters.
func ConvDirectLen(g ConvGeom, f int) int { return directGather * (g.Cols() + f) }

// ConvDirectApplies reports whether ConvRowsDirect computes a convolution
// of geometry g with f filters: when the micro-kernel Sgemm uses for f
// columns has a segmented variant, f is a multiple of its width and
// Sgemm sums a patch row as one k-block.
func ConvDirectApplies(g ConvGeom, f int) bool {
	kern := kernelFor(f)
	nkb, _ := kBlocks(kern, g.Cols())
	return kern.seg != nil && f > 0 && f%kern.nr == 0 && nkb == 1 && g.Cols() > 0
}

// ConvRowsDirect sets y (rows [r0, r1) of a convolution's output before
// the activation, f values each) to P·w + bias, where P holds x's patch
// rows [r0, r1) (Im2colRows) and w is the kernel (Cols()×f), with the bits
// of Im2colRows followed by SgemmSerial(false, false, r1-r0, f, Cols(), 1,
// P, Cols(), w, f, 1, y, f) on y filled with the bias (beta 0, y not
// read, when bias is nil), on the calling goroutine. buf holds at least
// ConvDirectLen(g, f) values. It panics unless ConvDirectApplies(g, f).
func ConvRowsDirect(g ConvGeom, x []float32, r0, r1 int, w []float32, f int, bias, y, buf []float32) {
	if !ConvDirectApplies(g, f) {
		panic("kernels.ConvRowsDirect: no segmented kernel for this convolution")
	}
	checkRows(g, r0, r1, len(x), g.Cols()*(r1-r0), "ConvRowsDirect")
	if len(y) < (r1-r0)*f || len(w) < g.Cols()*f || len(buf) < ConvDirectLen(g, f) || bias != nil && len(bias) < f {
		panic("kernels.ConvRowsDirect: slice too short")
	}
	d := directConv{g: g, kern: kernelFor(f), x: x, w: w, f: f, bias: bias, y: y, r0: r0, buf: buf}
	if bias != nil {
		d.beta = 1
	}
	lo, hi := insideCols(g)
	img := g.H * g.W * g.C
	for r := r0; r < r1; {
		n, oh, ow0, ow1 := rowPart(g, r, r1)
		ih0 := oh*g.SH - g.PadTop
		a, b := ow1, ow1 // the positions read in place
		if ih0 >= 0 && ih0+g.KH <= g.H {
			a, b = stretch(ow0, ow1, lo, hi)
		}
		xi := x[n*img : (n+1)*img]
		for ow := ow0; ow < ow1; ow++ {
			if ow == a {
				d.inPlace(xi, ih0, a, b-a, r+a-ow0)
				if ow = b; ow == ow1 {
					break
				}
			}
			d.gather(xi, ih0, ow, r+ow-ow0)
		}
		r += ow1 - ow0
	}
	d.flush()
}

// directConv is one ConvRowsDirect call: its operands and the border
// patches gathered so far (rows of buf, for output rows dst).
type directConv struct {
	g       ConvGeom
	kern    *sgemmKernel
	x, w    []float32
	f       int
	bias    []float32 // nil: none
	beta    float32   // 1 with a bias, 0 without
	y       []float32 // output row r at (r-r0)*f
	r0      int
	buf     []float32
	dst     [directGather]int
	pending int
}

// inPlace computes count positions of one output row, from column ow0
// on, whose patches lie inside image xi (top row ih0): output row r first.
func (d *directConv) inPlace(xi []float32, ih0, ow0, count, r int) {
	g, kern, k := d.g, d.kern, d.g.Cols()
	segLen, segJump := g.KW*g.C, (g.W-g.KW)*g.C
	// Calls of as even a number of rows as the kernel's allows (30 as
	// 10+10+10, not 12+12+6): a kernel of few rows has too few
	// accumulators to keep the FMA units busy.
	calls := ceilDiv(count, kern.mr)
	for c, i := 0, 0; c < calls; c++ {
		rows := (c+1)*count/calls - c*count/calls
		a := xi[(ih0*g.W+(ow0+i)*g.SW-g.PadLeft)*g.C:]
		out := d.y[(r+i-d.r0)*d.f:]
		for j := 0; j < d.f; j += kern.nr {
			cin, ldcin := out[j:], d.f // beta 0: not read
			if d.bias != nil {
				cin, ldcin = d.bias[j:], 0
			}
			kern.seg[rows-1](k, a, g.SW*g.C, 1, d.w[j:], d.f, out[j:], d.f, 1, d.beta, segLen, segJump, cin, ldcin)
		}
		i += rows
	}
}

// gather adds the patch of column ow (image xi, top row ih0), for output
// row r, to the border patches, computing them when buf is full.
func (d *directConv) gather(xi []float32, ih0, ow, r int) {
	k := d.g.Cols()
	im2colPatch(d.g, xi, ih0, ow*d.g.SW-d.g.PadLeft, d.buf[d.pending*k:(d.pending+1)*k])
	d.dst[d.pending] = r
	if d.pending++; d.pending == directGather {
		d.flush()
	}
}

// flush computes the gathered border patches (rows of buf starting from
// the bias), one product, and copies them to their output rows.
func (d *directConv) flush() {
	n, k, f := d.pending, d.g.Cols(), d.f
	if n == 0 {
		return
	}
	c := d.buf[directGather*k : directGather*k+n*f]
	for i := 0; i < n && d.bias != nil; i++ {
		copy(c[i*f:(i+1)*f], d.bias)
	}
	SgemmSerial(false, false, n, f, k, 1, d.buf[:n*k], k, d.w, f, d.beta, c, f)
	for i, r := range d.dst[:n] {
		copy(d.y[(r-d.r0)*f:(r-d.r0+1)*f], c[i*f:])
	}
	d.pending = 0
}
