package kernels

// microKernelFunc computes one mr×nr tile of C:
//
//	C[i*ldc+j] = alpha * sum_{p<kc} A[i*rsA+p*csA] * B[p*ldb+j] + beta * C[i*ldc+j]
//
// for 0 <= i < mr, 0 <= j < nr, kc >= 1. A is read through a row stride
// and a column stride, so that a packed panel (rsA = 1, csA = mr), a
// row-major matrix (rsA = lda, csA = 1) and a transposed one (rsA = 1,
// csA = lda) can all be used in place. B rows are nr contiguous elements,
// ldb apart. With beta == 0, C is not read. The slices start at element
// (0, 0) of their operand and must hold the whole tile.
type microKernelFunc func(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// sgemmKernel is a micro-kernel with its register tile and cache blocking.
type sgemmKernel struct {
	name string
	fn   microKernelFunc
	// edge[r], 0 < r < mr, when not nil, computes an r×nr tile reading
	// only r rows of A: the bottom edge of C then needs no packing.
	edge []microKernelFunc
	mr   int // rows of the register tile
	nr   int // columns of the register tile
	kc   int // nominal k-block (blocks are 0.5 to 1.5 times as long)
	mc   int // largest row block per task (a multiple of mr): mc×kc of A in L2
	// half, when not nil, is a kernel of nr/2 columns, the same mr and
	// the same sums: it computes a right-edge tile of exactly nr/2
	// columns straight into C, rather than a whole tile into a buffer.
	half *sgemmKernel
	// seg[r-1], when not nil, computes an r×nr tile (r <= mr) as fn and
	// edge do, element by element the same sums, reading A in segments
	// (ConvRowsDirect).
	seg []segKernelFunc
}

// segKernelFunc is a microKernelFunc whose A comes in segments of segLen
// columns, element (i, p) at a[i*rsA + p*csA + (p/segLen)*segJump] (kc a
// multiple of segLen), and whose C starts from cin (element (i, j) at
// cin[i*ldcin + j]; cin may be C itself): C = alpha*A*B + beta*Cin.
type segKernelFunc func(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, segLen, segJump int, cin []float32, ldcin int)

// goKernel is the pure-Go micro-kernel: a 4×4 tile in 16 scalar
// accumulators, used under the purego tag, on other architectures and on
// amd64 CPUs without AVX2+FMA. It keeps the same blocking and packing as
// the assembly kernels; it has no edge variants, so the bottom edge of C
// is computed from a zero-padded packed panel.
var goKernel = &sgemmKernel{name: "go4x4", fn: kernelGo4x4, mr: 4, nr: 4, kc: 256, mc: 128,
	seg: []segKernelFunc{segGo(1), segGo(2), segGo(3), segGo(4)}}

// segGo is goKernel's segKernelFunc for rows rows: each element summed
// and stored by the expressions of kernelGo4x4 and storeRow4.
func segGo(rows int) segKernelFunc {
	return func(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, segLen, segJump int, cin []float32, ldcin int) {
		for i := 0; i < rows; i++ {
			for j := 0; j < 4; j++ {
				var s float32
				ia, ib := i*rsA, j
				for p := 1; p <= kc; p++ {
					s += a[ia] * b[ib]
					ia += csA
					ib += ldb
					if p%segLen == 0 {
						ia += segJump
					}
				}
				if beta == 0 {
					c[i*ldc+j] = alpha * s
				} else {
					c[i*ldc+j] = alpha*s + beta*cin[i*ldcin+j]
				}
			}
		}
	}
}

// kernelGo4x4 is the microKernelFunc of goKernel.
func kernelGo4x4(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[3*rsA+(kc-1)*csA]
	_ = b[(kc-1)*ldb+3]
	_ = c[3*ldc+3]
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
		c20, c21, c22, c23 float32
		c30, c31, c32, c33 float32
	)
	ia, ib := 0, 0
	for p := 0; p < kc; p++ {
		a0, a1, a2, a3 := a[ia], a[ia+rsA], a[ia+2*rsA], a[ia+3*rsA]
		bb := b[ib : ib+4 : ib+4]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		ia += csA
		ib += ldb
	}
	storeRow4(c[0:4:4], c00, c01, c02, c03, alpha, beta)
	storeRow4(c[ldc:ldc+4:ldc+4], c10, c11, c12, c13, alpha, beta)
	storeRow4(c[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, alpha, beta)
	storeRow4(c[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, alpha, beta)
}

// storeRow4 writes alpha*s + beta*c to a row of four, not reading c when
// beta == 0.
func storeRow4(c []float32, s0, s1, s2, s3, alpha, beta float32) {
	c = c[:4:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}
