package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The 16 products of a Winograd chunk (winograd_amd64.s, AVX-512 only):
// m[ξ] (tiles × f) = v[ξ] (tiles × c) · u[ξ] (c × f), all dense and
// row-major, with a short reduction (c, 32 or 64 channels in vgg-small).
// The SGEMM micro-kernel spends a fixed cost per 12×32 tile (the C
// prefetches, the multiply by alpha, the call from the driver) that is a
// third of the work at k = 32; these kernels run the row panels of a
// 32-column strip in one call, with none of that. Per element they make
// the SGEMM kernel's operations in its order (zero, then one FMA per k
// step, k ascending), so they give its bits.

func genWinogradGemm() {
	for mr := 12; mr >= 1; mr-- {
		genWinogradGemmRows(mr)
	}
}

// genWinogradGemmRows emits winogradGemm<mr>x32AVX512: for p < panels,
// rows i of panel p (row r = p*mr + i) and j < 32,
//
//	c[r*n + j] = Σ_{q<k} a[r*k + q] * b[q*n + j]   (k >= 1, zero then FMAs in q order)
func genWinogradGemmRows(mr int) {
	name := fmt.Sprintf("winogradGemm%dx32AVX512", mr)
	b.TEXT(name, b.NOSPLIT, "func(a *float32, k int, b *float32, n int, c *float32, panels int)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s computes panels panels of %d rows of a 32-column strip of C = A·B:", name, mr),
		"row r, column j < 32 of C at c[r*n+j] is the sum over q < k (k >= 1) of a[r*k+q]*b[q*n+j],",
		"from zero, one FMA per q in ascending order (the bits of the SGEMM micro-kernels with alpha 1, beta 0).")
	panels := load64("panels")
	rs := load64("k")
	b.SHLQ(op.U8(2), rs) // bytes between two rows of A
	rs3 := b.GP64()
	b.LEAQ(op.Mem{Base: rs, Index: rs, Scale: 2}, rs3)
	ldb := load64("n")
	b.SHLQ(op.U8(2), ldb) // bytes between two rows of B and of C
	ap, cp := load64("a"), load64("c")

	acc := make([][2]reg.VecVirtual, mr)
	for r := range acc {
		acc[r] = [2]reg.VecVirtual{b.ZMM(), b.ZMM()}
	}
	b.Label(name + "_panel")
	b.TESTQ(panels, panels)
	b.JZ(op.LabelRef(name + "_done"))
	// Row r of the panel is at bases[r/4] + {0, rs, 2rs, 3rs}[r%4].
	bases := make([]reg.GPVirtual, (mr+3)/4)
	for g := range bases {
		bases[g] = b.GP64()
		if g == 0 {
			b.MOVQ(ap, bases[0])
		} else {
			b.LEAQ(op.Mem{Base: bases[g-1], Index: rs, Scale: 4}, bases[g])
		}
	}
	rowAddr := rowAddrs(bases, rs, rs3)
	bp, kk := load64("b"), load64("k")
	for r := range acc {
		b.VPXORD(acc[r][0], acc[r][0], acc[r][0])
		b.VPXORD(acc[r][1], acc[r][1], acc[r][1])
	}
	winogradGemmK(name, acc, bases, rowAddr, bp, kk, ldb)

	b.Label(name + "_store")
	b.MOVQ(cp, kk) // kk is free: the row being stored
	for r := range acc {
		b.VMOVUPS(acc[r][0], op.Mem{Base: kk})
		b.VMOVUPS(acc[r][1], op.Mem{Base: kk, Disp: 64})
		b.ADDQ(ldb, kk)
	}
	b.IMUL3Q(op.U32(mr), rs, kk) // the next panel: mr rows on
	b.ADDQ(kk, ap)
	b.IMUL3Q(op.U32(mr), ldb, kk)
	b.ADDQ(kk, cp)
	b.DECQ(panels)
	b.JMP(op.LabelRef(name + "_panel"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// winogradGemmK emits the reduction of one panel: kk (>= 1) steps of k,
// four per iteration then one at a time, each adding a[r][q]·b[q] into
// row r's two accumulators; it advances the row bases and bp.
func winogradGemmK(name string, acc [][2]reg.VecVirtual, bases []reg.GPVirtual, rowAddr func(int) op.Mem, bp, kk, ldb reg.GPVirtual) {
	step := func() {
		b0, b1 := b.ZMM(), b.ZMM()
		b.VMOVUPS(op.Mem{Base: bp}, b0)
		b.VMOVUPS(op.Mem{Base: bp, Disp: 64}, b1)
		for r := range acc {
			t := b.ZMM()
			b.VBROADCASTSS(rowAddr(r), t)
			b.VFMADD231PS(b0, t, acc[r][0])
			b.VFMADD231PS(b1, t, acc[r][1])
		}
		for _, base := range bases {
			b.ADDQ(op.U8(4), base)
		}
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

}
