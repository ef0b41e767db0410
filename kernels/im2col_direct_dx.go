package kernels

// A convolution's input gradient read in place. Backward's im2col path
// computes dcols = dz·kernelᵀ (a row of KH*KW*C values per output
// position, each a sum over the f filters) and scatters it into a cleared
// dx with Col2imRows, which adds into each input pixel the terms of the
// patches that cover it in patch-row order. ConvInputGradDirect makes the
// same sums without dcols: for a run of input pixels of one row (or, at
// the left and right borders, of one column) that meet the same kernel
// taps (kh, kw) (every pixel of a stride class away from the borders),
// each tap's term is a product of the output-gradient
// pixels it comes from (consecutive rows of dz, read in place) with the
// tap's slice of kernelᵀ, computed from zero as Sgemm computes it, and
// the terms are added from zero in the order Col2imRows adds them (the
// covering patches in row order: kh descending, then kw descending). So
// dx gets Col2imRows' bits without the dcols round trip through memory,
// the scatter's adds, or clearing dx first.

// ConvInputGradDirectApplies reports whether ConvInputGradDirect computes
// the input gradient of a convolution of geometry g with f filters: when
// Sgemm sums each of dz·kernelᵀ's values (a reduction of f) as one
// k-block, for kernels of at most maxDxTaps a side.
func ConvInputGradDirectApplies(g ConvGeom, f int) bool {
	nkb, _ := kBlocks(kernelFor(g.Cols()), f)
	return f > 0 && nkb == 1 && g.Cols() > 0 && g.KH <= maxDxTaps && g.KW <= maxDxTaps && g.OH > 0 && g.OW > 0 && g.SH > 0 && g.SW > 0
}

// ConvInputGradDirectVector reports whether ConvInputGradDirect runs a
// vector kernel for geometry g (AVX-512, C a multiple of 16) rather than
// convDxGo's product per tap, which is slower than Sgemm and Col2imRows:
// callers take the direct path only then.
func ConvInputGradDirectVector(g ConvGeom) bool { return dxKernelIsVector(g.C) }

// ConvInputGradDirectLen is the length of the scratch ConvInputGradDirect
// needs for geometry g.
func ConvInputGradDirectLen(g ConvGeom) int { return 2 * max(g.H, g.W) * g.C }

// ConvInputGradDirect sets dx's samples [n0, n1) to the input gradient of
// a convolution of geometry g with f filters: dz holds the gradient before
// the activation (Rows()×f), kernelT the kernel transposed (f×Cols()).
// The bits are those of clearing the samples' part of dx, then
// SgemmSerial(false, false, rows, Cols(), f, 1, dz[r0*f:], f, kernelT,
// Cols(), 0, dcols, Cols()) and Col2imRowsSerial(g, dcols, r0, r1, dx) for
// the samples' patch rows [r0, r1) (in tiles of any size). It runs on the
// calling goroutine; buf holds at least ConvInputGradDirectLen(g) values.
// It panics unless ConvInputGradDirectApplies(g, f).
func ConvInputGradDirect(g ConvGeom, dz []float32, f int, kernelT []float32, n0, n1 int, dx, buf []float32) {
	if !ConvInputGradDirectApplies(g, f) {
		panic("kernels.ConvInputGradDirect: no direct path for this convolution")
	}
	img, per := g.H*g.W*g.C, g.OH*g.OW
	if n0 < 0 || n1 < n0 || n1 > g.N {
		panic("kernels.ConvInputGradDirect: samples out of range")
	}
	if len(dz) < n1*per*f || len(kernelT) < f*g.Cols() || len(dx) < n1*img || len(buf) < ConvInputGradDirectLen(g) {
		panic("kernels.ConvInputGradDirect: slice too short")
	}
	if ConvInputGradPointwiseApplies(g, f) {
		convInputGradPointwise(g, dz, f, kernelT, n0, n1, dx)
		return
	}
	if ConvInputGradTapsApplies(g, f) {
		convInputGradTaps(g, dz, f, kernelT, n0, n1, dx)
		return
	}
	convInputGradWith(dxKernelFor(g.C), g, dz, f, kernelT, n0, n1, dx, buf)
}

// ConvInputGradPointwiseApplies reports whether ConvInputGradDirect
// computes the input gradient of a convolution of geometry g with f
// filters as convInputGradPointwise: a 1×1 kernel reading no padding (a
// strided one: resnet's shortcuts), whose products Sgemm's kernel for C
// columns has a segmented variant of (C a multiple of its width) and sums
// as one k-block.
func ConvInputGradPointwiseApplies(g ConvGeom, f int) bool {
	kern := kernelFor(g.C)
	nkb, _ := kBlocks(kern, f)
	return g.KH == 1 && g.KW == 1 && unpadded(g) && kern.seg != nil && g.C%kern.nr == 0 && f > 0 && nkb == 1 &&
		g.OH > 0 && g.OW > 0
}

// zeroRow is the zero row a product adds its sums to (Col2imRows' first
// term added to a cleared dx: 0 + v, +0 for a sum of -0).
var zeroRow [32]float32

// convInputGradPointwise is ConvInputGradDirect for a 1×1 kernel without
// padding: each input pixel meets at most one output position, so the
// samples' dx is cleared and each output row's pixels get their product
// dz·kernelᵀ written in place, from zero over the f filters as Sgemm
// sums it and added to zeroRow as Col2imRows adds it to the cleared dx
// (the same bits), in calls of as even a number of rows as the kernel's
// allow; no dcols, no scatter.
func convInputGradPointwise(g ConvGeom, dz []float32, f int, kernelT []float32, n0, n1 int, dx []float32) {
	kern, img, row := kernelFor(g.C), g.H*g.W*g.C, g.W*g.C
	clear(dx[n0*img : n1*img])
	calls := ceilDiv(g.OW, kern.mr)
	for n := n0; n < n1; n++ {
		for oh := 0; oh < g.OH; oh++ {
			out := dx[n*img+oh*g.SH*row:]
			a := dz[(n*g.OH+oh)*g.OW*f:]
			for c, i := 0, 0; c < calls; c++ {
				rows := (c+1)*g.OW/calls - c*g.OW/calls
				for j := 0; j < g.C; j += kern.nr {
					kern.seg[rows-1](f, a[i*f:], f, 1, kernelT[j:], g.C, out[i*g.SW*g.C+j:], g.SW*g.C, 1, 1, f, 0, zeroRow[:], 0)
				}
				i += rows
			}
		}
	}
}

// convInputGradWith is ConvInputGradDirect with the dxKernel kern.
func convInputGradWith(kern dxKernel, g ConvGeom, dz []float32, f int, kernelT []float32, n0, n1 int, dx, buf []float32) {
	var runs [2][12]dxRun
	rows := dxRuns(g.H, g.PadTop, g.KH, g.SH, g.OH, runs[0][:0])
	cols := dxRuns(g.W, g.PadLeft, g.KW, g.SW, g.OW, runs[1][:0])
	var offBuf [2 * maxDxTaps * maxDxTaps]int
	offs := offBuf[:0]
	for n := n0; n < n1; n++ {
		for _, rr := range rows {
			for _, cr := range cols {
				offs = dxBlock(kern, g, dz, f, kernelT, n, rr, cr, dx, buf, offs)
			}
		}
	}
}

// dxRun is a run of input indices of one dimension (rows or columns),
// start, start+s, ... (count of them), that meet the same kernel indices:
// taps, those of the first (the next index's output indices are one
// further).
type dxRun struct {
	start, count, nt int
	tap              [maxDxTaps]tap1 // taps: tap[:nt] (kernel index, output index)
}

// maxDxTaps is the largest kernel size whose taps a dxRun holds inline.
const maxDxTaps = 8

func (r *dxRun) taps() []tap1 { return r.tap[:r.nt] }

// dxRuns cuts the input indices [0, size) of a dimension with kernel
// size k, stride s, padding pad and output size o into runs: one stride
// class at a time, consecutive indices with the same kernel indices.
func dxRuns(size, pad, k, s, o int, runs []dxRun) []dxRun {
	var buf [maxDxTaps]tap1
	for rho := 0; rho < min(s, size); rho++ {
		for i := rho; i < size; i += s {
			t := dxTaps(i, pad, k, s, o, buf[:0])
			if last := len(runs) - 1; last >= 0 && runs[last].start%s == rho && sameKernelTaps(runs[last].taps(), t) {
				runs[last].count++
				continue
			}
			r := dxRun{start: i, count: 1, nt: len(t)}
			copy(r.tap[:], t)
			runs = append(runs, r)
		}
	}
	return runs
}

// dxTaps appends to dst the taps of kernel size k, stride s and padding
// pad that meet input index i of an output of size o, in Col2imRows'
// order (output index ascending, so kernel index descending).
func dxTaps(i, pad, k, s, o int, dst []tap1) []tap1 {
	for kk := k - 1; kk >= 0; kk-- {
		if v := i + pad - kk; v >= 0 && v%s == 0 && v/s < o {
			dst = append(dst, tap1{kk, v / s})
		}
	}
	return dst
}

// dxKernel writes rows pixels (ldc apart in c) of width channels each:
// for each, the sum over taps t of the product of a's row (offs[2t] + i*rsA,
// kc values) with the kc×width slice of b at offs[2t+1] (rows ldb apart),
// each product from zero as Sgemm sums it, the sum from zero in t order.
type dxKernel func(rows, taps int, offs []int, a []float32, rsA int, b []float32, ldb, kc int, c []float32, ldc, width int, buf []float32)

// dxBlock computes the pixels of sample n in input rows rr and columns
// cr, which all meet the taps rr.taps × cr.taps: a call of kern per row
// along the columns, or per column along the rows when the rows are the
// longer run (a border column). It returns offs, the taps' offsets (its
// storage).
func dxBlock(kern dxKernel, g ConvGeom, dz []float32, f int, kT []float32, n int, rr, cr dxRun, dx, buf []float32, offs []int) []int {
	offs = offs[:0]
	for _, th := range rr.taps() {
		for _, tw := range cr.taps() {
			offs = append(offs, ((n*g.OH+th.at)*g.OW+tw.at)*f, (th.k*g.KW+tw.k)*g.C)
		}
	}
	taps, k := len(offs)/2, g.Cols()
	pix := func(h, w int) []float32 { return dx[((n*g.H+h)*g.W+w)*g.C:] }
	if cr.count >= rr.count {
		for i := 0; i < rr.count; i++ {
			kern(cr.count, taps, offs, dz[i*g.OW*f:], f, kT, k, f, pix(rr.start+i*g.SH, cr.start), g.SW*g.C, g.C, buf)
		}
		return offs
	}
	for j := 0; j < cr.count; j++ {
		kern(rr.count, taps, offs, dz[j*f:], g.OW*f, kT, k, f, pix(rr.start, cr.start+j*g.SW), g.SH*g.W*g.C, g.C, buf)
	}
	return offs
}

// convDxGo is the dxKernel of every build: each tap's product by
// SgemmSerial (bestKernel's sums, as Backward's dz·kernelᵀ) into one half
// of buf, added (AddTo) into the other, which then goes to c.
func convDxGo(rows, taps int, offs []int, a []float32, rsA int, b []float32, ldb, kc int, c []float32, ldc, width int, buf []float32) {
	acc, t := buf[:rows*width], buf[rows*width:2*rows*width]
	clear(acc)
	for i := 0; i < taps; i++ {
		SgemmSerial(false, false, rows, width, kc, 1, a[offs[2*i]:], rsA, b[offs[2*i+1]:], ldb, 0, t, width)
		AddTo(acc, t)
	}
	for i := 0; i < rows; i++ {
		copy(c[i*ldc:i*ldc+width], acc[i*width:])
	}
}
