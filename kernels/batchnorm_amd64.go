//go:build !purego

package kernels

//go:generate go run -C _asm . -batchnorm -out ../batchnorm_amd64.s -stubs ../batchnorm_stub_amd64.go -pkg kernels

// The AVX-512 batch-normalization kernels take every channel (the last
// c%8 under a mask; the kernels with the activation's gradient as bits take
// channel counts that are multiples of 8 and run the Go twins on others). NormSums without dy runs in assembly with b nil and
// round false (the statistics), the Go twin otherwise (nn does not use
// it). There is no AVX2 version.
//
// An assembly kernel walks the rows once per block of up to 32 channels;
// with more channels than that, the wrappers below hand it the rows a
// piece of about normPieceValues values at a time, so that its later
// blocks find the piece in the L1 cache instead of streaming the whole
// tensor again. The pieces are whole groups of SumsGroupRows rows, and
// every channel meets its groups in order (the sums are added piece after
// piece into the same s and q), so the bits do not change.
var avx512Norm = &normImpl{
	name: "avx512",
	sums: func(s, q, a, b []float64, x, dy []float32, round bool) {
		c := len(a)
		if dy == nil && (round || b != nil) {
			normSumsGo(s, q, a, b, x, dy, round)
			return
		}
		eachSumsPiece(len(x), c, func(lo, hi int) {
			rows := (hi - lo) / c
			switch {
			case dy == nil:
				normStatsAVX512(&s[0], &q[0], &a[0], &x[lo], rows, c)
			default: // whatever round says (NormSums)
				normGradSumsAVX512(&s[0], &q[0], &a[0], &b[0], &x[lo], &dy[lo], rows, c)
			}
		})
	},
	apply: func(y, x []float32, scale, shift []float64) {
		c := len(scale)
		eachNormPiece(len(x), c, func(lo, hi int) {
			normApplyAVX512(&y[lo], &x[lo], &scale[0], &shift[0], (hi-lo)/c, c)
		})
	},
	applyRelu6: func(y, x []float32, scale, shift []float64) {
		c := len(scale)
		eachNormPiece(len(x), c, func(lo, hi int) {
			normApplyRelu6AVX512(&y[lo], &x[lo], &scale[0], &shift[0], (hi-lo)/c, c)
		})
	},
	sumsRelu6: func(s, q, a, b []float64, x, dy, y []float32) {
		c := len(a)
		eachSumsPiece(len(x), c, func(lo, hi int) {
			normSumsRelu6AVX512(&s[0], &q[0], &a[0], &b[0], &x[lo], &dy[lo], &y[lo], (hi-lo)/c, c)
		})
	},
	applyRelu6Keep: func(y, x []float32, scale, shift []float64, keep []byte) {
		c := len(scale)
		if c%8 != 0 {
			normApplyRelu6KeepGo(y, x, scale, shift, keep)
			return
		}
		eachNormPiece(len(x), c, func(lo, hi int) {
			normApplyRelu6KeepAVX512(&y[lo], &x[lo], &keep[lo/8], &scale[0], &shift[0], (hi-lo)/c, c)
		})
	},
	applyReluKeep: func(y, x []float32, scale, shift []float64, keep []byte) {
		c := len(scale)
		if c%8 != 0 {
			normApplyReluKeepGo(y, x, scale, shift, keep)
			return
		}
		eachNormPiece(len(x), c, func(lo, hi int) {
			normApplyReluKeepAVX512(&y[lo], &x[lo], &keep[lo/8], &scale[0], &shift[0], (hi-lo)/c, c)
		})
	},
	applyAddReluKeep: func(y, x, r []float32, scale, shift []float64, keep []byte) {
		c := len(scale)
		if c%8 != 0 {
			normApplyAddReluKeepGo(y, x, r, scale, shift, keep)
			return
		}
		eachNormPiece(len(x), c, func(lo, hi int) {
			normApplyAddReluKeepAVX512(&y[lo], &x[lo], &r[lo], &keep[lo/8], &scale[0], &shift[0], (hi-lo)/c, c)
		})
	},
	sumsKeep: func(s, q, a, b []float64, x, dy []float32, keep []byte) {
		c := len(a)
		if c%8 != 0 {
			normSumsKeepGo(s, q, a, b, x, dy, keep)
			return
		}
		eachSumsPiece(len(x), c, func(lo, hi int) {
			normSumsKeepAVX512(&s[0], &q[0], &a[0], &b[0], &x[lo], &dy[lo], &keep[lo/8], (hi-lo)/c, c)
		})
	},
	gradKeep: func(dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
		c := len(a)
		if c%8 != 0 {
			normGradKeepGo(dy, x, a, b, k, m1, m2, keep)
			return
		}
		eachNormPiece(len(x), c, func(lo, hi int) {
			normGradKeepAVX512(&dy[lo], &x[lo], &keep[lo/8], &a[0], &b[0], &k[0], &m1[0], &m2[0], (hi-lo)/c, c)
		})
	},
	gradKeepTo: func(dx, dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
		c := len(a)
		if c%8 != 0 {
			normGradKeepToGo(dx, dy, x, a, b, k, m1, m2, keep)
			return
		}
		eachNormPiece(len(x), c, func(lo, hi int) {
			normGradKeepToAVX512(&dx[lo], &dy[lo], &x[lo], &keep[lo/8], &a[0], &b[0], &k[0], &m1[0], &m2[0], (hi-lo)/c, c)
		})
	},
	addKept: func(y, x []float32, keep []byte) {
		g := len(y) / 16
		if g > 0 {
			normAddKeptAVX512(&y[0], &x[0], &keep[0], g)
		}
		addKeptGo(y[16*g:], x[16*g:len(y)], keep[2*g:])
	},
	grad: func(dy, x []float32, a, b, k, m1, m2 []float64, round bool) {
		c := len(a)
		eachNormPiece(len(x), c, func(lo, hi int) {
			normGradAVX512(&dy[lo], &x[lo], &a[0], &b[0], &k[0], &m1[0], &m2[0], (hi-lo)/c, c)
		})
	},
}

// normPieceValues is the size of a piece of rows in values (16 KiB of
// float32 per array: a kernel's two or three arrays stay in the 48 KiB
// L1 cache), normOneBlock the most channels an assembly kernel takes in
// one walk over the rows.
const (
	normPieceValues = 4 << 10
	normOneBlock    = 32
)

// eachNormPiece calls f on consecutive pieces [lo, hi) of n values (rows
// of c), whole rows each: all n at once when c needs one block.
func eachNormPiece(n, c int, f func(lo, hi int)) { eachPiece(n, c, 1, f) }

// eachPiece is eachNormPiece with pieces of a multiple of g rows.
func eachPiece(n, c, g int, f func(lo, hi int)) {
	if c <= normOneBlock {
		f(0, n)
		return
	}
	step := max(1, normPieceValues/c/g) * g * c
	for lo := 0; lo < n; lo += step {
		f(lo, min(n, lo+step))
	}
}

// eachSumsPiece is eachNormPiece in pieces of a multiple of
// SumsGroupRows rows (Backward's sums' groups: the same bits as one call).
func eachSumsPiece(n, c int, f func(lo, hi int)) { eachPiece(n, c, SumsGroupRows, f) }

// supportedNorm lists the implementations this CPU can run, fastest first.
func supportedNorm() []*normImpl {
	if hasAVX512BMI2 {
		return []*normImpl{avx512Norm, goNorm}
	}
	return []*normImpl{goNorm}
}

// bn is the fastest implementation this CPU supports.
var bn = supportedNorm()[0]
