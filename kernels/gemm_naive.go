package kernels

// SgemmNaive is the reference triple loop every faster SGEMM is tested
// against:
//
//	C = alpha * op(A) * op(B) + beta * C
//
// op(A) is m×k: A itself (m×k, lda >= k) or, when transA, the transpose of
// a k×m matrix (lda >= m). op(B) is k×n likewise (ldb >= n, or >= k when
// transB). C is m×n with ldc >= n. With beta == 0, C is not read, so it
// may hold NaNs. Accumulation is in float32, in order of increasing k.
func SgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
