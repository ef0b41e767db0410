package kernels

import (
	"runtime"
	"sync"
)

// SgemmBF16 computes C = alpha * op(A) * op(B) + beta * C as Sgemm does
// (same arguments and contract), but with op(A) and op(B) rounded to
// bf16 (to nearest even, denormals to zero) and the products summed in
// fp32: the AVX512_BF16 VDPBF16PS instruction, two products of
// consecutive k per fp32 lane and step. Its error against the fp32
// product is that of rounding the inputs (a relative 2^-8 each).
//
// k is cut into pairs (an odd k gets a zero pair partner), the pairs
// into blocks of about bf16KC, each block summed from zero in order of
// k, the pair's second product first, and added into C in order, as
// Sgemm does its k-blocks; op(A) and op(B) are converted into panels of
// pairs once per call (B) or per task (A). The bits depend on the shape
// only, never on GOMAXPROCS or scheduling. Without AVX512_BF16 (or under
// purego) pure-Go twins compute the same bits, slowly; BF16Native says
// which runs.
func SgemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if gemmTrivial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	g := &bf16Gemm{transA: transA, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, lda: lda, c: c, ldc: ldc}
	g.nr = 32
	if n <= 16 {
		g.nr = 16
	}
	g.kern = bf16Kernels(g.nr)
	g.kq = (k + 1) / 2
	g.np = ceilDiv(n, g.nr) * g.nr
	g.nkb = max(1, (g.kq+bf16KC/2)/bf16KC)
	g.kcq = ceilDiv(g.kq, g.nkb)
	bp := bf16Pool.Get().(*[]uint32)
	*bp = growU32(*bp, g.kq*g.np)
	g.b = *bp
	packBF16B(g.b, b, ldb, transB, k, n, g.np)
	// As Sgemm: a thread per parallelMinWork multiply-adds, up to
	// GOMAXPROCS; tasks of whole 12-row panels, about four per thread.
	threads := max(1, min(runtime.GOMAXPROCS(0), m*n*k/parallelMinWork))
	g.rowsPerTask = bf16MR * max(1, min(bf16MC/bf16MR, ceilDiv(ceilDiv(m, bf16MR), 4*threads)))
	parallelRun(&taskFunc{fn: g.task}, ceilDiv(m, g.rowsPerTask), threads)
	bf16Pool.Put(bp)
}

// BF16Native reports whether SgemmBF16 runs the AVX512_BF16 assembly
// (rather than its pure-Go twins).
func BF16Native() bool { return bf16Native }

// Blocking of SgemmBF16: 12-row tiles, k-blocks of about bf16KC pairs
// (B's panel block, bf16KC×32 pairs = 32 KiB, stays in L1), tasks of at
// most bf16MC rows (A's block, 96×256 pairs = 96 KiB, in L2).
const (
	bf16MR = 12
	bf16KC = 256
	bf16MC = 96
)

// bf16KernelFunc computes a 12×nr tile (see bf16KernelGo).
type bf16KernelFunc func(kq int, a []uint32, rsA, csA int, b []uint32, ldb int, c []float32, ldc int, alpha, beta float32)

// bf16Gemm is one SgemmBF16 call: the problem, its blocking and B's
// panels of pairs (kq×np dwords, columns padded with zeros to np).
type bf16Gemm struct {
	transA      bool
	m, n, k     int
	alpha, beta float32
	a           []float32
	lda         int
	c           []float32
	ldc         int
	kern        bf16KernelFunc
	nr, kq, np  int
	nkb, kcq    int // k-blocks of pairs: block kb is [kb*kcq, min(kb*kcq+kcq, kq))
	b           []uint32
	rowsPerTask int
}

// bf16Scratch is one task's A block and edge tile.
type bf16Scratch struct {
	a    []uint32
	tile []float32
}

var (
	bf16Pool        = sync.Pool{New: func() any { return new([]uint32) }}
	bf16ScratchPool = sync.Pool{New: func() any { return new(bf16Scratch) }}
)

func growU32(buf []uint32, n int) []uint32 {
	if cap(buf) < n {
		return make([]uint32, n)
	}
	return buf[:n]
}

// task computes rows [t*rowsPerTask, ...) of C, k-block by k-block.
func (g *bf16Gemm) task(t int, _ *TaskScratch) {
	s := bf16ScratchPool.Get().(*bf16Scratch)
	i0 := t * g.rowsPerTask
	rows := min(g.rowsPerTask, g.m-i0)
	padded := ceilDiv(rows, bf16MR) * bf16MR
	s.a = growU32(s.a, padded*g.kcq)
	s.tile = grow(s.tile, bf16MR*g.nr)
	for kb := 0; kb < g.nkb; kb++ {
		q0 := kb * g.kcq
		kql := min(g.kcq, g.kq-q0)
		rsA, csA := g.packA(s.a, i0, rows, padded, q0, kql)
		beta := g.beta
		if kb > 0 {
			beta = 1
		}
		for j0 := 0; j0 < g.n; j0 += g.nr {
			bpan := g.b[q0*g.np+j0:]
			for r := 0; r < rows; r += bf16MR {
				g.tileAt(s, s.a[r*rsA:], rsA, csA, kql, bpan, i0+r, j0, beta)
			}
		}
	}
	bf16ScratchPool.Put(s)
}

// tileAt computes the tile of C at (i, j) from A's panel ap: straight
// into C when whole, else through s.tile.
func (g *bf16Gemm) tileAt(s *bf16Scratch, ap []uint32, rsA, csA, kql int, bpan []uint32, i, j int, beta float32) {
	mv, nv := min(bf16MR, g.m-i), min(g.nr, g.n-j)
	if mv == bf16MR && nv == g.nr {
		g.kern(kql, ap, rsA, csA, bpan, g.np, g.c[i*g.ldc+j:], g.ldc, g.alpha, beta)
		return
	}
	tile, nr := s.tile, g.nr
	if beta != 0 {
		for r := 0; r < mv; r++ {
			copy(tile[r*nr:r*nr+nv], g.c[(i+r)*g.ldc+j:])
		}
	}
	g.kern(kql, ap, rsA, csA, bpan, g.np, tile, nr, g.alpha, beta)
	for r := 0; r < mv; r++ {
		copy(g.c[(i+r)*g.ldc+j:(i+r)*g.ldc+j+nv], tile[r*nr:])
	}
}
