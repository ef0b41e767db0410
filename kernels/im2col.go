package kernels

// ConvGeom is the geometry of a 2-D sliding window (convolution or
// pooling) over an NHWC batch: input N×H×W×C, window KH×KW, strides SH,SW,
// zero padding PadTop/PadLeft before the first row/column, output OH×OW.
type ConvGeom struct {
	N, H, W, C      int
	KH, KW          int
	SH, SW          int
	PadTop, PadLeft int
	OH, OW          int
}

// Rows is the number of output positions, N*OH*OW: the rows of the
// im2col matrix.
func (g ConvGeom) Rows() int { return g.N * g.OH * g.OW }

// Cols is the length of one patch, KH*KW*C: the columns of the im2col
// matrix, in (kh, kw, c) order, which is how a Keras HWIO kernel
// flattens.
func (g ConvGeom) Cols() int { return g.KH * g.KW * g.C }

// Im2col writes the patch matrix of x (N×H×W×C) into cols
// (Rows()×Cols()); positions in the padding read as zero.
func Im2col(g ConvGeom, x, cols []float32) {
	per := g.OH * g.OW * g.Cols()
	_ = x[g.N*g.H*g.W*g.C-1]
	_ = cols[g.N*per-1]
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			im2colOne(g, x[n*g.H*g.W*g.C:(n+1)*g.H*g.W*g.C], cols[n*per:(n+1)*per])
		}
	})
}

// smallRun is the longest run that im2col copies with a loop: calling
// memmove costs more for a few values (3 for a 3x3 kernel on one channel).
const smallRun = 8

func im2colOne(g ConvGeom, x, cols []float32) {
	rowLen := g.Cols()
	r := 0
	for oh := 0; oh < g.OH; oh++ {
		for ow := 0; ow < g.OW; ow++ {
			im2colPatch(g, x, oh*g.SH-g.PadTop, ow*g.SW-g.PadLeft, cols[r*rowLen:(r+1)*rowLen])
			r++
		}
	}
}

// im2colPatch writes into dst the patch of image x whose top-left corner
// is (ih0, iw0), zeros where it lies in the padding: each kernel row as
// the zeros left of the image, one run of what lies inside (contiguous
// in x), the zeros right of it.
func im2colPatch(g ConvGeom, x []float32, ih0, iw0 int, dst []float32) {
	runLen := g.KW * g.C
	kwa, kwb := max(0, -iw0), min(g.KW, g.W-iw0) // the kernel columns inside
	for kh := 0; kh < g.KH; kh++ {
		d := dst[kh*runLen : (kh+1)*runLen]
		ih := ih0 + kh
		if ih < 0 || ih >= g.H || kwa >= kwb {
			clear(d)
			continue
		}
		clear(d[:kwa*g.C])
		src := (ih*g.W + iw0 + kwa) * g.C
		if n := (kwb - kwa) * g.C; n <= smallRun {
			for i, v := range x[src : src+n] {
				d[kwa*g.C+i] = v
			}
		} else {
			copyRuns(d[kwa*g.C:], x[src:], 1, n, 0, 0)
		}
		clear(d[kwb*g.C:])
	}
}

// Col2im is Im2col's adjoint: it overwrites dx (N×H×W×C) with the sum,
// over every patch that covers each input position, of the matching
// entries of dcols (Rows()×Cols()). Padding entries are dropped.
func Col2im(g ConvGeom, dcols, dx []float32) {
	per := g.OH * g.OW * g.Cols()
	img := g.H * g.W * g.C
	_ = dx[g.N*img-1]
	_ = dcols[g.N*per-1]
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			col2imOne(g, dcols[n*per:(n+1)*per], dx[n*img:(n+1)*img])
		}
	})
}

func col2imOne(g ConvGeom, dcols, dx []float32) {
	clear(dx)
	rowLen := g.Cols()
	r := 0
	for oh := 0; oh < g.OH; oh++ {
		for ow := 0; ow < g.OW; ow++ {
			col2imPatch(g, dcols[r*rowLen:(r+1)*rowLen], oh*g.SH-g.PadTop, ow*g.SW-g.PadLeft, dx)
			r++
		}
	}
}

// col2imPatch adds the patch gradient src into image dx at the patch
// whose top-left corner is (ih0, iw0), dropping padding entries.
func col2imPatch(g ConvGeom, src []float32, ih0, iw0 int, dx []float32) {
	col2imPatchRows(g, src, ih0, iw0, 0, g.H, dx)
}

// col2imPatchRows is col2imPatch for the input rows [lo, hi) only.
func col2imPatchRows(g ConvGeom, src []float32, ih0, iw0, lo, hi int, dx []float32) {
	runLen := g.KW * g.C // one kernel row of a patch: contiguous in dx when inside
	inside := iw0 >= 0 && iw0+g.KW <= g.W
	for kh := 0; kh < g.KH; kh++ {
		ih := ih0 + kh
		if ih < lo || ih >= hi {
			continue
		}
		s := src[kh*runLen : (kh+1)*runLen]
		if inside {
			d := (ih*g.W + iw0) * g.C
			AddTo(dx[d:d+runLen], s)
			continue
		}
		for kw := 0; kw < g.KW; kw++ {
			iw := iw0 + kw
			if iw < 0 || iw >= g.W {
				continue
			}
			d := (ih*g.W + iw) * g.C
			AddTo(dx[d:d+g.C], s[kw*g.C:(kw+1)*g.C])
		}
	}
}
