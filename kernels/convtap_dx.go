package kernels

// A stride-1 convolution's input gradient through the three-tap kernels:
// dx[ih][iw][c] = Σ_{kh,kw,f} dz[ih+PadTop-kh][iw+PadLeft-kw][f]·w[kh][kw][c][f]
// is the convolution of dz (f channels) with the kernel flipped in both
// directions and its channels swapped (FlipKernel: KH×KW×f×C), padded by
// KH-1-PadTop and KW-1-PadLeft (DxTapGeom), so ConvRowsDirect computes
// it, each dx pixel a sum of its own: any cut of the samples gives the
// same bits. The sums run kernel rows, filters, kernel columns (of the
// flipped kernel), not col2im's order (ConvInputGradDirect).

// ConvInputGradTapApplies reports whether ConvInputGradTap computes the
// input gradient of a convolution of geometry g with f filters: stride 1
// both ways, three kernel columns and C a multiple of 16, where the
// three-tap kernels run.
func ConvInputGradTapApplies(g ConvGeom, f int) bool {
	return g.SH == 1 && g.SW == 1 && f > 0 && g.PadTop < g.KH && g.PadLeft < g.KW && ConvTapApplies(DxTapGeom(g, f), g.C)
}

// DxTapGeom is the geometry of the convolution that gives g's input
// gradient from its output gradient (f channels): the flipped kernel
// over dz, padded so that its output is g's input.
func DxTapGeom(g ConvGeom, f int) ConvGeom {
	return ConvGeom{N: g.N, H: g.OH, W: g.OW, C: f, KH: g.KH, KW: g.KW, SH: 1, SW: 1,
		PadTop: g.KH - 1 - g.PadTop, PadLeft: g.KW - 1 - g.PadLeft, OH: g.H, OW: g.W}
}

// ConvInputGradTapLen is the length of the scratch ConvInputGradTap needs
// for geometry g and f filters: the padded rows of dz that a chunk of
// tapDxRows rows of dx reads.
func ConvInputGradTapLen(g ConvGeom, f int) int {
	gt := DxTapGeom(g, f)
	return ConvDirectLen(gt, tapDxRows(gt)*gt.OW)
}

// tapDxSlab bounds the padded rows of dz ConvInputGradTap holds at once
// (a 32×32×16 sample's 34 rows are 74 KiB).
const tapDxSlab = 256 << 10

// tapDxRows is how many rows of dx (output rows of gt) ConvInputGradTap
// computes from one slab: a whole sample, or as many as tapDxSlab holds
// (at least one).
func tapDxRows(gt ConvGeom) int {
	wp, _ := slabWidth(gt)
	rowBytes := 4 * wp * gt.C
	return max(1, min(gt.OH, tapDxSlab/rowBytes-(gt.KH-1)))
}

// FlipKernel sets dst (KH×KW×f×C) to the kernel w (KH×KW×C×f) flipped in
// both directions with its input and output channels swapped:
// dst[kh][kw][j][c] = w[KH-1-kh][KW-1-kw][c][j].
func FlipKernel(g ConvGeom, f int, w, dst []float32) {
	taps, c := g.KH*g.KW, g.C
	_, _ = w[taps*c*f-1], dst[taps*c*f-1]
	for t := 0; t < taps; t++ {
		src, out := w[(taps-1-t)*c*f:][:c*f], dst[t*c*f:][:c*f]
		for ch := 0; ch < c; ch++ {
			for j, v := range src[ch*f : (ch+1)*f] {
				out[j*c+ch] = v
			}
		}
	}
}

// ConvInputGradTap sets dx's samples [n0, n1) to the input gradient of a
// convolution of geometry g with f filters: dz holds the gradient before
// the activation (Rows()×f), flipped the kernel as FlipKernel sets it. It
// runs on the calling goroutine; buf holds at least
// ConvInputGradTapLen(g, f) values. It panics unless
// ConvInputGradTapApplies(g, f).
func ConvInputGradTap(g ConvGeom, dz []float32, f int, flipped []float32, n0, n1 int, dx, buf []float32) {
	if !ConvInputGradTapApplies(g, f) {
		panic("kernels.ConvInputGradTap: no three-tap path for this convolution")
	}
	if n0 < 0 || n1 < n0 || n1 > g.N {
		panic("kernels.ConvInputGradTap: samples out of range")
	}
	gt := DxTapGeom(g, f)
	per := gt.OH * gt.OW
	if len(dx) < n1*per*g.C || len(buf) < ConvInputGradTapLen(g, f) {
		panic("kernels.ConvInputGradTap: slice too short")
	}
	step := tapDxRows(gt) * gt.OW
	for n := n0; n < n1; n++ { // whole samples, or chunks of rows: buf holds their slab
		for r := n * per; r < (n+1)*per; r += step {
			e := min((n+1)*per, r+step)
			ConvRowsDirect(gt, dz, r, e, flipped, g.C, nil, dx[r*g.C:e*g.C], buf)
		}
	}
}
