package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// relu's mask applied to a layer's output gradient and the bias
// gradient's column sums in one pass (relumasksum_amd64.s, AVX-512): for
// vecs groups of 16 columns (1 to 4) of rows rows ld values apart, each
// row's groups are loaded under their 16 mask bits (zeroing: +0 where a
// bit is clear, as applyReluMaskGo), stored back, and converted to
// float64 and added to the columns' sums in row order (as sumRows64Go).

func genReluMaskSum() {
	for vecs := 1; vecs <= 4; vecs++ {
		genReluMaskSumCols(vecs)
	}
}

// genReluMaskSumCols emits applyReluMaskSum<vecs>x16AVX512.
func genReluMaskSumCols(vecs int) {
	name := fmt.Sprintf("applyReluMaskSum%dx16AVX512", vecs)
	b.TEXT(name, b.NOSPLIT, "func(dy *float32, mask *uint64, group int, acc *float64, rows, ld int)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s applies relu's mask to %d groups of 16 columns of rows rows of dy (ld values apart) and adds them", name, vecs),
		"to acc in row order: for r < rows and j < "+fmt.Sprint(16*vecs)+", where the 16-bit group group + r*ld/16 + j/16 of mask",
		"has bit j%16 clear dy[r*ld+j] becomes +0, then acc[j] += float64(dy[r*ld+j]), as applyReluMaskGo and sumRows64Go.",
		"ld is a multiple of 16.")
	dy, m, accp, rows, ld := load64("dy"), load64("mask"), load64("acc"), load64("rows"), load64("ld")
	group := load64("group")
	b.LEAQ(op.Mem{Base: m, Index: group, Scale: 2}, m) // mask's 16-bit groups, little-endian in its words
	mstep := b.GP64()                                  // bytes from one row's mask bits to the next's: ld/16 uint16s
	b.MOVQ(ld, mstep)
	b.SHRQ(op.U8(3), mstep)
	b.SHLQ(op.U8(2), ld)
	acc := make([][2]reg.VecVirtual, vecs)
	for v := range acc {
		for h := range 2 {
			acc[v][h] = b.ZMM()
			b.VMOVUPD(op.Mem{Base: accp, Disp: (2*v + h) * 64}, acc[v][h])
		}
	}
	b.TESTQ(rows, rows)
	b.JZ(op.LabelRef(name + "_store"))
	k := b.K()
	b.Label(name + "_row")
	for v := range acc {
		b.KMOVW(op.Mem{Base: m, Disp: 2 * v}, k)
		x := b.ZMM()
		b.VMOVUPS_Z(op.Mem{Base: dy, Disp: 64 * v}, k, x)
		b.VMOVUPS(x, op.Mem{Base: dy, Disp: 64 * v})
		lo, hi, hy := b.ZMM(), b.ZMM(), b.YMM()
		b.VCVTPS2PD(x.AsY(), lo)
		b.VEXTRACTF64X4(op.U8(1), x, hy)
		b.VCVTPS2PD(hy, hi)
		b.VADDPD(lo, acc[v][0], acc[v][0]) // acc + value
		b.VADDPD(hi, acc[v][1], acc[v][1])
	}
	b.ADDQ(ld, dy)
	b.ADDQ(mstep, m)
	b.DECQ(rows)
	b.JNZ(op.LabelRef(name + "_row"))
	b.Label(name + "_store")
	for v := range acc {
		for h := range 2 {
			b.VMOVUPD(acc[v][h], op.Mem{Base: accp, Disp: (2*v + h) * 64})
		}
	}
	b.VZEROUPPER()
	b.RET()
}
