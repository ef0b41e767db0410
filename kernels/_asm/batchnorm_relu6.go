package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genNormSumsRelu6: the round NormSums with dy (Backward's Σdy and
// Σdy·xhat) of a BatchNormalization whose relu6 is fused after it, taking
// the gradient at relu6's output: each vector of dy is first zeroed where
// relu6's output y fails 0 < y < 6 (relu6GradGo's test on the bits:
// bits - 1 < bits(6) - 1, unsigned) and written back, then summed, in one
// pass instead of a Relu6Grad pass before the sums.
func genNormSumsRelu6() {
	name := "normSumsRelu6AVX512"
	b.TEXT(name, b.NOSPLIT, "func(s, q, a, bb *float64, x, dy, y *float32, rows, cols int)")
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) zeroes dy where 0 < y < 6 fails and then adds Σ dy to s[j] and Σ dy·h to q[j] over the rows of x " +
		"(rows × cols, row-major), with h = (x - a[j])·bb[j], in float64 over groups of rows, each group's Σ dy·h as bb[j]·(Σ dy·x - a[j]·Σ dy), as normSumsRelu6Go.")
	s, q, a, bb, x, dy, y := load64("s"), load64("q"), load64("a"), load64("bb"), load64("x"), load64("dy"), load64("y")
	rows, cols := load64("rows"), load64("cols")
	ld := b.GP64()
	b.MOVQ(cols, ld)
	b.SHLQ(op.U8(2), ld)
	one, six1 := splat32(1), splat32(0x40c00000-1)
	n := 0
	normBlocks(name, cols, []reg.GPVirtual{s, q, a, bb}, []reg.GPVirtual{x, dy, y}, func(vecs int, k reg.OpmaskVirtual) {
		n++
		av, bv, sv, qv := make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			av[v], bv[v] = load64s(op.Mem{Base: a, Disp: 64 * v}, k), load64s(op.Mem{Base: bb, Disp: 64 * v}, k)
			sv[v], qv[v] = load64s(op.Mem{Base: s, Disp: 64 * v}, k), load64s(op.Mem{Base: q, Disp: 64 * v}, k)
		}
		groupSums(fmt.Sprintf("%s_rows%d", name, n), rows, ld, nil, []reg.GPVirtual{x, dy, y}, 3, av, bv, sv, qv, func(p []reg.GPVirtual, v int) (e, x reg.VecVirtual) {
			d := relu6KeptDy(op.Mem{Base: p[1], Disp: 32 * v}, op.Mem{Base: p[2], Disp: 32 * v}, one, six1, k)
			e = b.ZMM()
			b.VCVTPS2PD(d, e)
			return e, widen(op.Mem{Base: p[0], Disp: 32 * v}, k)
		})
		for v := 0; v < vecs; v++ {
			store64s(sv[v], op.Mem{Base: s, Disp: 64 * v}, k)
			store64s(qv[v], op.Mem{Base: q, Disp: 64 * v}, k)
		}
	})
}

// relu6KeptDy loads 8 float32 of dy (at dm) zeroed where the float32 y
// (at ym) fails 0 < y < 6, stores them back (under k in the tail) and
// returns them (a YMM register).
func relu6KeptDy(dm, ym op.Mem, one, six1 reg.VecVirtual, k reg.OpmaskVirtual) reg.VecVirtual {
	u := b.YMM()
	if k != nil {
		b.VMOVDQU32_Z(ym, k, u)
	} else {
		b.VMOVDQU32(ym, u)
	}
	b.VPSUBD(one, u, u) // bits - 1: +0 and -0 wrap past six1
	keep := b.K()
	if k != nil {
		b.VPCMPUD(op.U8(1), six1, u, k, keep) // unsigned <, within the tail
	} else {
		b.VPCMPUD(op.U8(1), six1, u, keep)
	}
	d := b.YMM()
	b.VMOVUPS_Z(dm, keep, d)
	if k != nil {
		b.VMOVUPS(d, k, dm)
	} else {
		b.VMOVUPS(d, dm)
	}
	return d
}
