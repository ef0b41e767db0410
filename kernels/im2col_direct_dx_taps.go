package kernels

// The input gradient of a strided convolution tap by tap. Col2imRows adds
// each patch-row gradient (a row of dcols = dz·kernelᵀ) into the cleared
// dx, patch rows in order, so every dx element receives its terms in
// ascending patch-row order. convInputGradTaps makes the same sums
// without dcols: for each output row in order and each block of its
// positions in order, each kernel tap's product (the block's rows of dz
// times the tap's C columns of kernelᵀ, from zero over the f filters as
// Sgemm sums it) is added straight into the pixels the tap lands on by
// the segmented micro-kernels (beta 1 on dx itself: dx + v, as Col2imRows
// adds). Within a block the kernel columns go in descending order: a
// pixel met by several positions of the block through columns kw (its
// position ow = (iw + PadLeft - kw)/SW) then gets their terms in
// ascending ow, as from Col2imRows; a kernel row lands on an input row
// once per output row, and output rows go in order, so the rows' terms
// are in order too. The products run at the micro-kernel's speed and
// their sums go into dx without dcols' round trip through memory.

// ConvInputGradTapsApplies reports whether ConvInputGradDirect computes
// the input gradient of a convolution of geometry g with f filters tap by
// tap (convInputGradTaps): a strided kernel of more than one tap, whose
// products Sgemm's widest kernel computes in segmented variants (C a
// multiple of its width) and sums as one k-block: resnet-20's stride-2
// 3×3 layer on 32 channels. (On 16 channels, with the 16-wide kernel, the
// taps took 0.643 ms for a 16-sample shard's Forward and Backward where
// dcols and Col2imRows took 0.614: not there.)
func ConvInputGradTapsApplies(g ConvGeom, f int) bool {
	kern := kernelFor(g.C)
	nkb, _ := kBlocks(kern, f)
	if kern != bestKernel {
		return false
	}
	return (g.SH > 1 || g.SW > 1) && g.KH*g.KW > 1 && kern.seg != nil && g.C%kern.nr == 0 && f > 0 && nkb == 1 &&
		g.OH > 0 && g.OW > 0
}

// convInputGradTaps is ConvInputGradDirect tap by tap (see above): the
// samples' dx cleared, then the taps' products added in Col2imRows'
// order, in calls of as even a number of positions as the kernel's rows
// allow.
func convInputGradTaps(g ConvGeom, dz []float32, f int, kernelT []float32, n0, n1 int, dx []float32) {
	kern, img := kernelFor(g.C), g.H*g.W*g.C
	clear(dx[n0*img : n1*img])
	calls := ceilDiv(g.OW, kern.mr)
	for n := n0; n < n1; n++ {
		for oh := 0; oh < g.OH; oh++ {
			a := dz[(n*g.OH+oh)*g.OW*f:]
			for c, i := 0, 0; c < calls; c++ {
				rows := (c+1)*g.OW/calls - c*g.OW/calls
				for kh := 0; kh < g.KH; kh++ {
					if ih := oh*g.SH - g.PadTop + kh; ih >= 0 && ih < g.H {
						tapRow(kern, g, a, f, kernelT, kh, i, i+rows, dx[(n*g.H+ih)*g.W*g.C:])
					}
				}
				i += rows
			}
		}
	}
}

// tapRow adds kernel row kh's taps of positions [p0, p1) of an output row
// (dz rows a, f values each) into the input row xr, kernel columns in
// descending order, each over the positions whose pixel lies in the row.
func tapRow(kern *sgemmKernel, g ConvGeom, a []float32, f int, kernelT []float32, kh, p0, p1 int, xr []float32) {
	k := g.Cols()
	for kw := g.KW - 1; kw >= 0; kw-- {
		off := kw - g.PadLeft // pixel of position ow: ow*SW + off
		lo, hi := p0, p1
		if off < 0 {
			lo = max(lo, ceilDiv(-off, g.SW))
		}
		hi = min(hi, (g.W-1-off)/g.SW+1)
		if g.W-1-off < 0 || lo >= hi {
			continue
		}
		out := xr[(lo*g.SW+off)*g.C:]
		b := kernelT[(kh*g.KW+kw)*g.C:]
		for j := 0; j < g.C; j += kern.nr {
			kern.seg[hi-lo-1](f, a[lo*f:], f, 1, b[j:], k, out[j:], g.SW*g.C, 1, 1, f, 0, out[j:], g.SW*g.C)
		}
	}
}
