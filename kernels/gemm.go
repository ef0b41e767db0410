package kernels

// Sgemm computes C = alpha * op(A) * op(B) + beta * C with the contract of
// SgemmNaive (row-major, leading dimensions, beta == 0 never reads C).
//
// TEMPORARY: forwards to the naive loop until the blocked, packed,
// multi-threaded implementation lands.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmNaive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
