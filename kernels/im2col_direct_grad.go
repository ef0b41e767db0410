package kernels

// The kernel gradient of a convolution, Pᵀ·dz over a block of patch rows
// P, with the patches read in place: from a copy of the input rows the
// block's output rows cover, zero-padded to the left and right and above
// and below (a slab about as large as those input rows, where im2col
// writes KH*KW times as much). In the slab, a run of KW*C patch values
// (one kernel row) is contiguous, the next output position's run SW*C
// values on and the next output row's SH slab rows on: for a panel of
// kernel-gradient rows inside one run, a matrix with a row stride of 1 and
// steps that jump at each output row's end, which the segmented
// micro-kernels read as is. Where no patch reaches into the padding, the
// slab is x itself, and a block may span images where the next image's
// first output row lies one regular step on (gradAcrossImages: resnet's
// 1x1 stride-2 shortcuts). Stride-1 kernels of three columns with
// channels a multiple of 8 and 16k filters run the three-tap kernel
// (convtap_grad.go; the same bits), reading x in place where the padding
// is none or a pixel on each side; 3×3 "same" kernels of 16 channels and
// filters (Wino16Applies) run Winograd instead (winograd16_grad.go: other
// bits).

// ConvGradDirectApplies reports whether ConvKernelGradDirect computes the
// kernel-gradient product of patch rows [a0, a1) of a convolution of
// geometry g with f filters: whole output rows of one image (or of
// several, gradAcrossImages), a reduction
// that Sgemm sums as one k-block, and panels (gradPanel) that lie within
// a kernel row's run of KW*C values; by Winograd (wino16GradApplies), any
// whole output rows.
func ConvGradDirectApplies(g ConvGeom, f, a0, a1 int) bool {
	if wino16GradApplies(g, f) {
		return a0 < a1 && a0 >= 0 && a0%g.OW == 0 && a1%g.OW == 0
	}
	kern := kernelFor(f)
	per := g.OH * g.OW
	if kern.seg == nil || f <= 0 || f%kern.nr != 0 || gradPanel(kern, g.KW*g.C) == 0 || a0 >= a1 || g.OW <= 0 {
		return false
	}
	nkb, _ := kBlocks(kern, a1-a0)
	wp, _ := slabWidth(g)
	return nkb == 1 && a0%g.OW == 0 && (a1-a0)%g.OW == 0 && (a0/per == (a1-1)/per || gradAcrossImages(g)) && g.SH*wp >= g.OW*g.SW
}

// gradAcrossImages reports whether ConvKernelGradDirect takes blocks that
// span images: where it reads x in place (unpadded) and an image's rows
// end where its next output row would start (H = OH*SH, e.g. 1x1
// stride-2 kernels on even sizes), so that the next image's first output
// row is one regular step further (SH rows) in x.
func gradAcrossImages(g ConvGeom) bool { return unpadded(g) && g.H == g.OH*g.SH }

// gradPanel is the rows of the kernel-gradient panels ConvKernelGradDirect
// computes with kern for kernel rows of run values: the most rows, up to
// kern.mr, that divide run (so that no panel straddles two kernel rows),
// or 0 (no direct path) when that is under half of kern.mr. Each element
// of the gradient is its own sum whatever the panel's height, so this
// changes no bits: the stem's 3x3 kernel on 3 channels (runs of 9) gets
// panels of 9 rows instead of im2col's patch matrix.
func gradPanel(kern *sgemmKernel, run int) int {
	for p := min(kern.mr, run); 2*p >= kern.mr; p-- {
		if run%p == 0 {
			return p
		}
	}
	return 0
}

// ConvGradDirectLen is the scratch ConvKernelGradDirect needs for patch
// rows [a0, a1) of g: the slab.
func ConvGradDirectLen(g ConvGeom, a0, a1 int) int {
	wp, _ := slabWidth(g)
	return max(slabRows(g, a0, a1)*wp*g.C, wino16GradLen(g))
}

// slabWidth is the width of a zero-padded input row that holds every
// patch of an output row, and its padding on the right.
func slabWidth(g ConvGeom) (wp, padRight int) {
	padRight = max(0, (g.OW-1)*g.SW+g.KW-g.PadLeft-g.W)
	return g.PadLeft + g.W + padRight, padRight
}

// slabRows is how many input rows the patches of rows [a0, a1) cover.
func slabRows(g ConvGeom, a0, a1 int) int { return ((a1-a0)/g.OW-1)*g.SH + g.KH }

// ConvKernelGradDirect sets grad (Cols()×f) to Pᵀ·dz[a0*f:a1*f] +
// beta·grad, where P holds x's patch rows [a0, a1) (Im2colRows), with the
// bits of Im2colRows followed by SgemmSerial(true, false, Cols(), f,
// a1-a0, 1, P, Cols(), dz[a0*f:], f, beta, grad, f), on the calling
// goroutine; by Winograd where Wino16Applies(g, f) (the sums in another
// order: not those bits). With beta == 0, grad is
// not read. buf holds at least
// ConvGradDirectLen(g, a0, a1) values. It panics unless
// ConvGradDirectApplies(g, f, a0, a1).
func ConvKernelGradDirect(g ConvGeom, x []float32, a0, a1 int, dz []float32, f int, beta float32, grad, buf []float32) {
	if !ConvGradDirectApplies(g, f, a0, a1) {
		panic("kernels.ConvKernelGradDirect: no segmented kernel for these rows")
	}
	k := g.Cols()
	checkRows(g, a0, a1, len(x), (a1-a0)*k, "ConvKernelGradDirect")
	if len(dz) < a1*f || len(grad) < k*f || len(buf) < ConvGradDirectLen(g, a0, a1) {
		panic("kernels.ConvKernelGradDirect: slice too short")
	}
	if wino16GradApplies(g, f) {
		wino16KernelGrad(g, x, a0, a1, dz, beta, grad, buf)
		return
	}
	per, oh0 := g.OH*g.OW, a0%(g.OH*g.OW)/g.OW
	if convTapGradApplies(g, f, beta) && tapGradInPlace(g, oh0, oh0+(a1-a0)/g.OW) {
		img := g.H * g.W * g.C
		tapGradBlockInPlace(g, x[a0/per*img:(a0/per+1)*img], oh0, oh0+(a1-a0)/g.OW, dz[a0*f:], f, beta, grad)
		return
	}
	var slab []float32
	if unpadded(g) { // every patch inside the image: read x in place
		img := g.H * g.W * g.C
		slab = x[a0/per*img+oh0*g.SH*g.W*g.C:]
	} else {
		slab = fillSlab(g, x, a0, a1, buf)
	}
	wp, _ := slabWidth(g)
	kern, run, row := kernelFor(f), g.KW*g.C, wp*g.C
	if convTapGradApplies(g, f, beta) {
		tapGradBlock(g, slab, row, (a1-a0)/g.OW, dz[a0*f:], f, beta, grad)
		return
	}
	jump := g.SH*row - g.OW*g.SW*g.C
	panel := gradPanel(kern, run)
	for p0 := 0; p0 < k; p0 += panel {
		a := slab[p0/run*row+p0%run:]
		for j := 0; j < f; j += kern.nr {
			c := grad[p0*f+j:]
			kern.seg[panel-1](a1-a0, a, 1, g.SW*g.C, dz[a0*f+j:], f, c, f, 1, beta, g.OW, jump, c, f)
		}
	}
}

// fillSlab copies the input rows that the patches of rows [a0, a1) cover
// into buf, zero-padded (slabWidth), and returns them.
func fillSlab(g ConvGeom, x []float32, a0, a1 int, buf []float32) []float32 {
	per, img := g.OH*g.OW, g.H*g.W*g.C
	n := a0 / per
	return fillSlabRows(g, x[n*img:(n+1)*img], a0%per/g.OW, slabRows(g, a0, a1), buf)
}

// fillSlabRows copies rows input rows of image xi, from the first one
// that output row oh0's patches cover, into buf, zero-padded (slabWidth,
// and rows in the padding all zeros), and returns them.
func fillSlabRows(g ConvGeom, xi []float32, oh0, rows int, buf []float32) []float32 {
	wp, padRight := slabWidth(g)
	row := wp * g.C
	slab := buf[:rows*row]
	for i := 0; i < rows; i++ {
		d := slab[i*row : (i+1)*row]
		ih := oh0*g.SH - g.PadTop + i
		if ih < 0 || ih >= g.H {
			clear(d)
			continue
		}
		clear(d[:g.PadLeft*g.C])
		copy(d[g.PadLeft*g.C:], xi[ih*g.W*g.C:(ih+1)*g.W*g.C])
		clear(d[(g.PadLeft+g.W)*g.C : (g.PadLeft+g.W+padRight)*g.C])
	}
	return slab
}
