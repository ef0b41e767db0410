package kernels

import "math"

// The kernel gradient of a stride-1 convolution with three kernel columns
// through the three-tap kernel (convTapGrad8x16AVX512): for one kernel
// row and eight input channels, input pixel p of an output row's slab row
// meets dz at positions p, p-1 and p-2 through kernel columns 0, 1 and
// 2, so the kernel keeps those three dz vectors in registers and adds
// each broadcast input value into three columns' sums. Each gradient
// element still sums its positions in ascending order from zero with one
// FMA each, reading the padding's zeros from the same slab: the bits of
// the segmented SGEMM kernels' product (ConvKernelGradDirect's contract).

// tapGradKernelFunc is the three-tap kernel-gradient kernel: for t < 3,
// ch < 8, j < 16, g[(t*c+ch)*f+j] = Σ_{r<rows} Σ_{o<ow}
// x[r*ldx+(o+t)*c+ch]·dz[(r*ow+o)*f+j], from zero in (r, o) order, plus
// g's old value when add (rows >= 1, ow >= 2); with pad, a row's pixels 0
// and ow+1 are padding, their terms left out and not read (x then starts
// at pixel 1).
type tapGradKernelFunc func(rows, ow int, x []float32, ldx, c int, dz []float32, f int, g []float32, add, pad bool)

// convTapGradApplies reports whether ConvKernelGradDirect runs the
// three-tap kernel for g with f filters and beta: stride 1 across, three
// kernel columns, channels a multiple of 8, a multiple of 16 filters,
// output rows of at least two positions, beta 0 or 1, where the vector
// kernel runs.
func convTapGradApplies(g ConvGeom, f int, beta float32) bool {
	return convTapApplies(g, f) && g.C%8 == 0 && g.OW >= 2 && (beta == 0 || beta == 1)
}

// tapGradBlock is ConvKernelGradDirect's product through the three-tap
// kernel: rows output rows of the slab (row values per slab row), dz from
// the block's first position.
func tapGradBlock(g ConvGeom, slab []float32, row, rows int, dz []float32, f int, beta float32, grad []float32) {
	for kh := 0; kh < g.KH; kh++ {
		for c0 := 0; c0 < g.C; c0 += 8 {
			for j := 0; j < f; j += 16 {
				tapGradKernel(rows, g.OW, slab[kh*row+c0:], g.SH*row, g.C, dz[j:], f, grad[(kh*g.KW*g.C+c0)*f+j:], beta != 0, false)
			}
		}
	}
}

// tapGradInPlace reports whether tapGradBlockInPlace computes the block of
// output rows [oh0, oh1) of g, reading x in place: no padding, or one
// pixel of it on both sides of a row, and every kernel row meeting an
// input row for some output row of the block (kernel rows in the padding
// are left out). A zero term left out changes no sum (dz finite).
func tapGradInPlace(g ConvGeom, oh0, oh1 int) bool {
	_, padRight := slabWidth(g)
	if g.PadLeft != padRight || g.PadLeft > 1 {
		return false
	}
	for kh := 0; kh < g.KH; kh++ {
		if lo, hi := tapGradRowRange(g, oh0, oh1, kh); lo >= hi {
			return false
		}
	}
	return true
}

// tapGradRowRange is the output rows [lo, hi) of [oh0, oh1) whose input
// row through kernel row kh is inside the image.
func tapGradRowRange(g ConvGeom, oh0, oh1, kh int) (lo, hi int) {
	lo, hi = oh0, oh1
	for lo < hi && lo*g.SH-g.PadTop+kh < 0 {
		lo++
	}
	for hi > lo && (hi-1)*g.SH-g.PadTop+kh >= g.H {
		hi--
	}
	return lo, hi
}

// tapGradBlockInPlace is tapGradBlock reading image xi in place: for each
// kernel row, the block's output rows [oh0, oh1) whose input row is in
// the image; dz from the block's first position.
func tapGradBlockInPlace(g ConvGeom, xi []float32, oh0, oh1 int, dz []float32, f int, beta float32, grad []float32) {
	rowLen := g.W * g.C
	for kh := 0; kh < g.KH; kh++ {
		lo, hi := tapGradRowRange(g, oh0, oh1, kh)
		xr := xi[(lo*g.SH-g.PadTop+kh)*rowLen:]
		dr := dz[(lo-oh0)*g.OW*f:]
		for c0 := 0; c0 < g.C; c0 += 8 {
			for j := 0; j < f; j += 16 {
				tapGradKernel(hi-lo, g.OW, xr[c0:], g.SH*rowLen, g.C, dr[j:], f, grad[(kh*g.KW*g.C+c0)*f+j:], beta != 0, g.PadLeft == 1)
			}
		}
	}
}

// convTapGradGo is the three-tap kernel-gradient kernel in Go, for the
// tests: the kernel's terms in its order, each FMA as math.FMA in float64
// rounded to float32 (see convTapGo).
func convTapGradGo(rows, ow int, x []float32, ldx, c int, dz []float32, f int, g []float32, add, pad bool) {
	first, last := 0, ow+1 // the pixels read
	if pad {
		first, last = 1, ow
	}
	for t := 0; t < 3; t++ {
		for ch := 0; ch < 8; ch++ {
			for j := 0; j < 16; j++ {
				var s float32
				for r := 0; r < rows; r++ {
					for o := 0; o < ow; o++ {
						if o+t < first || o+t > last {
							continue
						}
						s = float32(math.FMA(float64(x[r*ldx+(o+t-first)*c+ch]), float64(dz[(r*ow+o)*f+j]), float64(s)))
					}
				}
				at := (t*c+ch)*f + j
				if add {
					s += g[at]
				}
				g[at] = s
			}
		}
	}
}
