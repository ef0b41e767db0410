package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The 16 products of a Winograd kernel gradient's chunk (winograd_amd64.s,
// AVX-512 only): du[ξ] (c × f) (+)= v[ξ]ᵀ · m[ξ], v[ξ] (tiles × c) and
// m[ξ] (tiles × f) dense and row-major, the reduction over the chunk's
// tiles. Row r of du's panel broadcasts v[q][r] for each tile q, a value
// of v[ξ]'s row q, so the rows of a panel are consecutive values of one
// row: no transposed copy of v (the SGEMM driver packs one). Per element
// they make the SGEMM micro-kernels' operations in their order (zero,
// one FMA per tile in ascending order, then alpha 1's product and beta
// 1's addition of the sum before, one rounding), so they give its bits.

func genWinogradGemmT() {
	for mr := 12; mr >= 1; mr-- {
		genWinogradGemmTRows(mr)
	}
}

// genWinogradGemmTRows emits winogradGemmT<mr>x32AVX512: for p < panels,
// rows i of panel p (row r = p*mr + i) and j < 32,
//
//	c[r*n + j] = Σ_{q<k} a[q*m + r] * b[q*n + j]  (+ c[r*n + j] when add)
//
// (k >= 1, zero then FMAs in q order, then the addition).
func genWinogradGemmTRows(mr int) {
	name := fmt.Sprintf("winogradGemmT%dx32AVX512", mr)
	b.TEXT(name, b.NOSPLIT, "func(a *float32, m, k int, b *float32, n int, c *float32, panels int, add bool)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s computes panels panels of %d rows of a 32-column strip of C = Aᵀ·B (+ C):", name, mr),
		"row r, column j < 32 of C at c[r*n+j] is the sum over q < k (k >= 1) of a[q*m+r]*b[q*n+j], from zero,",
		"one FMA per q in ascending order, plus c[r*n+j] after when add (the bits of the SGEMM micro-kernels",
		"with alpha 1, beta 0 or 1).")
	panels := load64("panels")
	lda := load64("m")
	b.SHLQ(op.U8(2), lda) // bytes between two rows of A
	ldb := load64("n")
	b.SHLQ(op.U8(2), ldb) // bytes between two rows of B and of C
	ap, cp := load64("a"), load64("c")
	add := b.GP8()
	b.Load(b.Param("add"), add)

	acc := make([][2]reg.VecVirtual, mr)
	for r := range acc {
		acc[r] = [2]reg.VecVirtual{b.ZMM(), b.ZMM()}
	}
	b.Label(name + "_panel")
	b.TESTQ(panels, panels)
	b.JZ(op.LabelRef(name + "_done"))
	q, bp, kk := b.GP64(), load64("b"), load64("k")
	b.MOVQ(ap, q)
	for r := range acc {
		b.VPXORD(acc[r][0], acc[r][0], acc[r][0])
		b.VPXORD(acc[r][1], acc[r][1], acc[r][1])
	}
	step := func() {
		b0, b1 := b.ZMM(), b.ZMM()
		b.VMOVUPS(op.Mem{Base: bp}, b0)
		b.VMOVUPS(op.Mem{Base: bp, Disp: 64}, b1)
		for r := range acc {
			t := b.ZMM()
			b.VBROADCASTSS(op.Mem{Base: q, Disp: 4 * r}, t)
			b.VFMADD231PS(b0, t, acc[r][0])
			b.VFMADD231PS(b1, t, acc[r][1])
		}
		b.ADDQ(lda, q)
		b.ADDQ(ldb, bp)
	}
	b.CMPQ(kk, op.U8(4))
	b.JL(op.LabelRef(name + "_tail"))
	b.Label(name + "_loop")
	for range 4 {
		step()
	}
	b.SUBQ(op.U8(4), kk)
	b.CMPQ(kk, op.U8(4))
	b.JGE(op.LabelRef(name + "_loop"))
	b.Label(name + "_tail")
	b.TESTQ(kk, kk)
	b.JZ(op.LabelRef(name + "_store"))
	b.Label(name + "_tailloop")
	step()
	b.DECQ(kk)
	b.JNZ(op.LabelRef(name + "_tailloop"))

	b.Label(name + "_store")
	b.MOVQ(cp, kk) // kk is free: the row being stored
	b.TESTB(add, add)
	b.JZ(op.LabelRef(name + "_put"))
	for r := range acc {
		b.VADDPS(op.Mem{Base: kk}, acc[r][0], acc[r][0])
		b.VADDPS(op.Mem{Base: kk, Disp: 64}, acc[r][1], acc[r][1])
		if r < mr-1 {
			b.ADDQ(ldb, kk)
		}
	}
	b.MOVQ(cp, kk)
	b.Label(name + "_put")
	for r := range acc {
		b.VMOVUPS(acc[r][0], op.Mem{Base: kk})
		b.VMOVUPS(acc[r][1], op.Mem{Base: kk, Disp: 64})
		b.ADDQ(ldb, kk)
	}
	b.ADDQ(op.U32(4*mr), ap) // the next panel: mr rows (columns of A) on
	b.IMUL3Q(op.U32(mr), ldb, kk)
	b.ADDQ(kk, cp)
	b.DECQ(panels)
	b.JMP(op.LabelRef(name + "_panel"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}
