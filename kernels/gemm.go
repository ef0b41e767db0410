package kernels

import (
	"sync"
)

// Sgemm computes C = alpha * op(A) * op(B) + beta * C with the contract of
// SgemmNaive (row-major, leading dimensions, beta == 0 never reads C).
// As in BLAS, alpha == 0 or k == 0 does not read A and B.
//
// The work is blocked for the caches, op(A) and op(B) are packed into
// panels (see gemmDriver) and an assembly micro-kernel picked for the CPU
// (AVX-512 or AVX2+FMA; pure Go under the purego tag or elsewhere)
// computes each tile. Large problems are split over runtime.GOMAXPROCS(0)
// goroutines by blocks of C. Long reductions with a small C (k >= 4096,
// m*n <= 16384) are split over k into a number of chunks that depends on
// the shape only, and the chunks are summed in order. The result is
// therefore bit-identical for any GOMAXPROCS and any scheduling; it may
// differ in the last bits from SgemmNaive, which sums in another order.
//
// Sgemm panics if a dimension is negative, a leading dimension is too
// small or a slice is too short for the matrix it holds.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	threads := regionThreads()
	if m > 0 && n > 0 && k > 0 {
		threads = max(1, min(threads, m*n*k/parallelMinWork))
	}
	cfg := gemmConfig{kern: kernelFor(n), threads: threads}
	sgemm(&cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine only, with the same
// result: for callers that already run in parallel (ForEachTask).
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cfg := gemmConfig{kern: kernelFor(n), threads: 1}
	sgemm(&cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmKBlock is the length of the k-blocks in which Sgemm sums a product
// with n columns and a reduction of length k < 4096 (see ReductionStep):
// block i is [i*kb, min((i+1)*kb, k)), computed from zero and added into
// C in order (C = alpha*block + beta*C for the first, C = alpha*block + C
// after). So a caller may compute the blocks separately, each with beta
// 0 and alpha 1, and add them in that order (TestSgemmKBlocks).
func SgemmKBlock(n, k int) int {
	_, kb := kBlocks(kernelFor(n), k)
	return kb
}

// kBlocks is the number and length of the k-blocks of a reduction of
// length k for kern: the count is k/kern.kc rounded to nearest (blocks
// up to 1.5 kc), so that k = 576 is one pass over C rather than two of
// 288.
func kBlocks(kern *sgemmKernel, k int) (count, length int) {
	count = max(1, (k+kern.kc/2)/kern.kc)
	return count, ceilDiv(k, count)
}

// packMode selects which panels are packed; tests force each mode.
type packMode int

const (
	packAuto packMode = iota // pack only what cannot be read in place
	packAll                  // pack every panel
)

// gemmConfig holds the choices Sgemm makes itself, so that tests can force
// each of them.
type gemmConfig struct {
	kern    *sgemmKernel
	threads int
	pack    packMode
}

// Scheduling thresholds.
const (
	// parallelMinWork is the smallest m*n*k worth more than one thread;
	// each further thread needs as much again.
	parallelMinWork = 1 << 18
	// A reduction with k >= kSplitMinK and m*n <= kSplitMaxMN is split
	// into min(kSplitMaxChunks, k/kSplitChunk) chunks over k.
	kSplitMinK      = 4096
	kSplitMaxMN     = 16384
	kSplitChunk     = 2048
	kSplitMaxChunks = 8
)

// Cutting a reduction into pieces. ReductionStep is a multiple of every
// micro-kernel's k-block (kc) and ReductionMaxPiece the longest multiple
// of it that Sgemm never splits over k. Sgemm sums a product whose k is a
// multiple of ReductionStep, at most ReductionMaxPiece, in k-blocks of
// exactly kc from its start, each from zero and added into C in order, C
// = alpha*block + beta*C for the first and C = alpha*block + C after: the
// same operations as successive products over consecutive pieces of k
// with beta = 1 after the first. So a long reduction (a convolution's
// kernel gradient, summed over tiles of rows) cut at multiples of
// ReductionStep into pieces of at most ReductionMaxPiece, the part after
// the last multiple being a piece of its own, gives the same bits however
// it is cut (TestSgemmReductionPieces).
const (
	ReductionStep     = 512
	ReductionMaxPiece = (kSplitMinK - 1) / ReductionStep * ReductionStep
)

func sgemm(cfg *gemmConfig, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if gemmTrivial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	threads := cfg.threads
	d := driverPool.Get().(*gemmDriver)
	*d = gemmDriver{
		kern: cfg.kern, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
	}
	if k >= kSplitMinK && m*n <= kSplitMaxMN {
		runKSplit(d, cfg.pack, threads)
	} else {
		d.init(cfg.pack)
		bp := bufPool.Get().(*[]float32)
		*bp = d.run(threads, *bp)
		bufPool.Put(bp)
	}
	*d = gemmDriver{}
	driverPool.Put(d)
}

var (
	driverPool = sync.Pool{New: func() any { return new(gemmDriver) }}
	bufPool    = sync.Pool{New: func() any { return new([]float32) }}
	kSplitPool = sync.Pool{New: func() any { return new(kSplitJob) }}
)

// kSplitJob computes the partial products of the k-chunks of a problem,
// one task per chunk, into part (chunk t at t*m*n, leading dimension n).
type kSplitJob struct {
	d      *gemmDriver
	pack   packMode
	chunks int
	part   []float32
}

// runTask computes chunk t with alpha = 1 and beta = 0.
func (j *kSplitJob) runTask(t int, s *gemmScratch) {
	d := j.d
	k0, k1 := t*d.k/j.chunks, (t+1)*d.k/j.chunks
	sub := *d
	sub.k = k1 - k0
	sub.alpha, sub.beta = 1, 0
	if d.transA {
		sub.a = d.a[k0*d.lda:]
	} else {
		sub.a = d.a[k0:]
	}
	if d.transB {
		sub.b = d.b[k0:]
	} else {
		sub.b = d.b[k0*d.ldb:]
	}
	mn := d.m * d.n
	sub.c, sub.ldc = j.part[t*mn:(t+1)*mn], d.n
	sub.init(j.pack)
	sub.runSerial(s)
}

// runKSplit computes d's problem as a sum over k-chunks, then folds the
// partial products into C in chunk order.
func runKSplit(d *gemmDriver, pack packMode, threads int) {
	j := kSplitPool.Get().(*kSplitJob)
	buf := bufPool.Get().(*[]float32)
	m, n := d.m, d.n
	j.d, j.pack = d, pack
	j.chunks = min(kSplitMaxChunks, d.k/kSplitChunk)
	j.part = grow(*buf, j.chunks*m*n)
	parallelRun(j, j.chunks, threads)
	mn := m * n
	for i := 0; i < m; i++ {
		crow := d.c[i*d.ldc : i*d.ldc+n]
		for jj := range crow {
			s := j.part[i*n+jj]
			for t := 1; t < j.chunks; t++ {
				s += j.part[t*mn+i*n+jj]
			}
			if d.beta == 0 {
				crow[jj] = d.alpha * s
			} else {
				crow[jj] = d.alpha*s + d.beta*crow[jj]
			}
		}
	}
	*buf = j.part
	bufPool.Put(buf)
	*j = kSplitJob{}
	kSplitPool.Put(j)
}

// scaleMatrix sets C = beta*C, or C = 0 without reading it when beta == 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// checkGemm panics unless the dimensions, leading dimensions and slice
// lengths describe valid matrices.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("kernels: negative dimension in Sgemm")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("B", br, bc, b, ldb)
	checkMatrix("C", m, n, c, ldc)
}

func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if ld < cols || ld < 0 {
		panic("kernels: leading dimension of " + name + " too small in Sgemm")
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic("kernels: slice " + name + " too short in Sgemm")
	}
}

// gemmTrivial checks a GEMM's operands (checkGemm) and reports whether
// there is nothing to multiply: an empty C, or k or alpha zero, in which
// case it has scaled C by beta.
func gemmTrivial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return true
	}
	return false
}
