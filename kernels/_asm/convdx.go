package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// A convolution's input gradient read in place (convdx_amd64.s, AVX-512
// only; kernels.ConvInputGradDirect). A run of input pixels that meet
// the same kernel taps gets, tap by tap, the product of the output
// gradient's pixels (rows of A, read in place) with the tap's slice of
// the transposed kernel (B), each tap's sum from zero with one FMA per
// filter in ascending order (the SGEMM micro-kernel's bits for dz·kernelᵀ
// with alpha 1, beta 0), added into the pixel's sum, which starts at
// zero (col2im's adds into a cleared dx, in its order): the taps come in
// the order col2im visits the patches.

func genConvDx() {
	for mr := 12; mr >= 1; mr-- {
		genConvDxRows(mr)
	}
}

// genConvDxRows emits convDxTaps<mr>x16AVX512: for rows i < mr and
// lanes j < 16,
//
//	c[i*ldc + j] = Σ_t ( Σ_{p<kc} a[offs[2t] + i*rsA + p] * b[offs[2t+1] + p*ldb + j] )
//
// the inner sums from zero in p order, the outer from zero in t order
// (taps >= 0, kc >= 1).
func genConvDxRows(mr int) {
	name := fmt.Sprintf("convDxTaps%dx16AVX512", mr)
	b.TEXT(name, b.NOSPLIT, "func(taps int, offs *int, a *float32, rsA int, b *float32, ldb, kc int, c *float32, ldc int)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s writes %d rows of 16 values of a convolution's input gradient:", name, mr),
		"row i, lane j at c[i*ldc+j] is the sum over taps t < taps (from zero, t ascending) of the sum over",
		"p < kc (kc >= 1; from zero, one FMA per p ascending) of a[offs[2t]+i*rsA+p]*b[offs[2t+1]+p*ldb+j].")
	acc := make([]reg.VecVirtual, mr)
	tmp := make([]reg.VecVirtual, mr)
	for r := range acc {
		acc[r], tmp[r] = b.ZMM(), b.ZMM()
		b.VPXORD(acc[r], acc[r], acc[r])
	}
	taps, offs := load64("taps"), load64("offs")
	rs := load64("rsA")
	b.SHLQ(op.U8(2), rs) // bytes between two rows of A
	rs3 := b.GP64()
	b.LEAQ(op.Mem{Base: rs, Index: rs, Scale: 2}, rs3)
	ldb := load64("ldb")
	b.SHLQ(op.U8(2), ldb)

	b.Label(name + "_tap")
	b.TESTQ(taps, taps)
	b.JZ(op.LabelRef(name + "_store"))
	// Row r of A is at bases[r/4] + {0, rs, 2rs, 3rs}[r%4].
	bases := make([]reg.GPVirtual, (mr+3)/4)
	for g := range bases {
		bases[g] = b.GP64()
		if g == 0 {
			b.MOVQ(op.Mem{Base: offs}, bases[0])
			b.SHLQ(op.U8(2), bases[0])
			b.ADDQ(mustAddr(b.Param("a")), bases[0])
		} else {
			b.LEAQ(op.Mem{Base: bases[g-1], Index: rs, Scale: 4}, bases[g])
		}
	}
	rowAddr := rowAddrs(bases, rs, rs3)
	bp := b.GP64()
	b.MOVQ(op.Mem{Base: offs, Disp: 8}, bp)
	b.SHLQ(op.U8(2), bp)
	b.ADDQ(mustAddr(b.Param("b")), bp)
	kk := load64("kc")
	for r := range tmp {
		b.VPXORD(tmp[r], tmp[r], tmp[r])
	}
	convDxK(name, tmp, bases, rowAddr, bp, kk, ldb)
	b.Label(name + "_sum")
	for r := range acc {
		b.VADDPS(tmp[r], acc[r], acc[r])
	}
	b.ADDQ(op.U8(16), offs)
	b.DECQ(taps)
	b.JMP(op.LabelRef(name + "_tap"))

	b.Label(name + "_store")
	cp, ldc := load64("c"), load64("ldc")
	b.SHLQ(op.U8(2), ldc)
	for r := range acc {
		b.VMOVUPS(acc[r], op.Mem{Base: cp})
		if r < mr-1 {
			b.ADDQ(ldc, cp)
		}
	}
	b.VZEROUPPER()
	b.RET()
}

// convDxK emits one tap's reduction: kk (>= 1) steps, four per iteration
// then one at a time, each adding a[r][p]·b[p] into tmp[r]; it advances
// the row bases and bp, and ends at the label name+"_sum".
func convDxK(name string, tmp []reg.VecVirtual, bases []reg.GPVirtual, rowAddr func(int) op.Mem, bp, kk, ldb reg.GPVirtual) {
	step := func() {
		bv := b.ZMM()
		b.VMOVUPS(op.Mem{Base: bp}, bv)
		for r := range tmp {
			b.VFMADD231PS_BCST(rowAddr(r), bv, tmp[r])
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
	b.JZ(op.LabelRef(name + "_sum"))
	b.Label(name + "_tailloop")
	step()
	b.DECQ(kk)
	b.JNZ(op.LabelRef(name + "_tailloop"))
}
