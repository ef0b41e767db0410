package kernels

// Packing copies a block of op(A) or op(B) into the layout the
// micro-kernels stream through: op(A) in panels of mr rows, stored column
// after column (element (i, p) of a panel at p*mr + i), op(B) in panels of
// nr columns, stored row after row (element (p, j) at p*nr + j). A panel
// cut by the edge of the matrix is padded with zeros, so the kernels never
// see stale values. Both transposes are handled here; the kernels only see
// packed (or untransposed, directly usable) data.

// packAPanel packs rows [i0, i0+mv) and columns [p0, p0+kl) of op(A) into
// dst[:kl*mr] as one mr-row panel, mv <= mr. op(A) is A (row-major, lda)
// or, when trans, the transpose of A.
func packAPanel(dst []float32, a []float32, lda int, trans bool, i0, mv, p0, kl, mr int) {
	dst = dst[:kl*mr]
	if trans {
		// op(A)(i, p) = A[p*lda + i]: each column of the panel is a
		// contiguous run of A.
		// Runs are short (mr elements): plain loops beat copy and clear.
		for p := 0; p < kl; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mv]
			d := dst[p*mr : p*mr+mr]
			for i, v := range src {
				d[i] = v
			}
			for i := mv; i < mr; i++ {
				d[i] = 0
			}
		}
		return
	}
	// op(A)(i, p) = A[i*lda + p]: a transposing copy.
	packTransposed(dst, mr, a[i0*lda+p0:], lda, mv, kl)
	if mv < mr {
		for p := 0; p < kl; p++ {
			clear(dst[p*mr+mv : p*mr+mr])
		}
	}
}

// packBPanel packs rows [p0, p0+kl) and columns [j0, j0+nv) of op(B) into
// dst[:kl*nr] as one nr-column panel, nv <= nr. op(B) is B (row-major, ldb)
// or, when trans, the transpose of B.
func packBPanel(dst []float32, b []float32, ldb int, trans bool, p0, kl, j0, nv, nr int) {
	dst = dst[:kl*nr]
	if !trans {
		for p := 0; p < kl; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nv]
			d := dst[p*nr : p*nr+nr]
			copy(d, src)
			clear(d[nv:])
		}
		return
	}
	// op(B)(p, j) = B[j*ldb + p]: a transposing copy.
	packTransposed(dst, nr, b[j0*ldb+p0:], ldb, nv, kl)
	if nv < nr {
		for p := 0; p < kl; p++ {
			clear(dst[p*nr+nv : p*nr+nr])
		}
	}
}

// packTransposed sets dst[p*stride+j] = src[j*ld+p] for j < nv <= stride
// and p < kl: it transposes an nv×kl block of a row-major matrix. Four
// source rows at a time, so that each store fills four adjacent elements
// (about twice as fast as one row at a time).
func packTransposed(dst []float32, stride int, src []float32, ld, nv, kl int) {
	dst = dst[:kl*stride]
	j := 0
	for ; j+4 <= nv; j += 4 {
		r0 := src[j*ld:][:kl:kl]
		r1 := src[(j+1)*ld:][:kl:kl]
		r2 := src[(j+2)*ld:][:kl:kl]
		r3 := src[(j+3)*ld:][:kl:kl]
		for p := range r0 {
			d := dst[p*stride+j : p*stride+j+4 : p*stride+j+4]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < nv; j++ {
		d := dst[j:]
		for p, v := range src[j*ld:][:kl] {
			d[p*stride] = v
		}
	}
}
