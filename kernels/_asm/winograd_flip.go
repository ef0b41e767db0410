package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genTranspose16 emits transpose16AVX512: dst (cols × rows) = src (rows ×
// cols)ᵀ, both row-major and dense, rows and cols multiples of 16, a 16×16
// block at a time in registers (WinogradFlipFrom's transposes): the block's
// 16 rows loaded, then pairs of floats, pairs of pairs and 128-bit lanes
// interleaved (VUNPCK[LH]PS, VUNPCK[LH]PD, two rounds of VSHUFF32X4), its
// 16 columns stored. A copy: every value keeps its bits.
func genTranspose16() {
	name := header(avx512, "transpose16", "func(src *float32, rows, cols int, dst *float32)",
		"writes dst[j*rows+i] = src[i*cols+j] for i < rows, j < cols (both multiples of 16),",
		"a 16×16 block at a time.")
	sp, dp := load64("src"), load64("dst")
	rows, cols := load64("rows"), load64("cols")
	rb, cb := b.GP64(), b.GP64() // row strides in bytes: of src (cols·4) and of dst (rows·4)
	b.MOVQ(cols, cb)
	b.SHLQ(op.U8(2), cb)
	b.MOVQ(rows, rb)
	b.SHLQ(op.U8(2), rb)
	i0, j0, p, q := b.GP64(), b.GP64(), b.GP64(), b.GP64()
	b.XORQ(i0, i0)
	b.Label(name + "_i")
	b.CMPQ(i0, rows)
	b.JGE(op.LabelRef(name + "_done"))
	b.XORQ(j0, j0)
	b.Label(name + "_j")
	b.CMPQ(j0, cols)
	b.JGE(op.LabelRef(name + "_inext"))
	// p = src + (i0*cols + j0)*4, q = dst + (j0*rows + i0)*4
	b.MOVQ(i0, p)
	b.IMULQ(cols, p)
	b.ADDQ(j0, p)
	b.LEAQ(op.Mem{Base: sp, Index: p, Scale: 4}, p)
	b.MOVQ(j0, q)
	b.IMULQ(rows, q)
	b.ADDQ(i0, q)
	b.LEAQ(op.Mem{Base: dp, Index: q, Scale: 4}, q)
	var r [16]reg.VecVirtual
	for i := range r {
		r[i] = b.ZMM()
		b.VMOVUPS(op.Mem{Base: p}, r[i])
		b.ADDQ(cb, p)
	}
	out := transpose16Regs(r)
	for _, v := range out {
		b.VMOVUPS(v, op.Mem{Base: q})
		b.ADDQ(rb, q)
	}
	b.ADDQ(op.U8(16), j0)
	b.JMP(op.LabelRef(name + "_j"))
	b.Label(name + "_inext")
	b.ADDQ(op.U8(16), i0)
	b.JMP(op.LabelRef(name + "_i"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// transpose16Regs returns the 16 columns of the 16×16 block whose rows are
// r. Within each 128-bit lane L, after the two unpack rounds, u[g][k]
// holds column 4L+k of rows 4g..4g+3; the two VSHUFF32X4 rounds gather
// lane L of u[0..3][k] into column 4L+k.
func transpose16Regs(r [16]reg.VecVirtual) [16]reg.VecVirtual {
	var u [4][4]reg.VecVirtual
	for g := range 4 {
		var t [4]reg.VecVirtual
		for h := range 2 {
			a, c := r[4*g+2*h], r[4*g+2*h+1]
			t[2*h], t[2*h+1] = b.ZMM(), b.ZMM()
			b.VUNPCKLPS(c, a, t[2*h])   // a0 c0 a1 c1 per lane
			b.VUNPCKHPS(c, a, t[2*h+1]) // a2 c2 a3 c3
		}
		for k := range 4 {
			u[g][k] = b.ZMM()
			lo, hi := t[k/2], t[2+k/2]
			if k%2 == 0 {
				b.VUNPCKLPD(hi, lo, u[g][k])
			} else {
				b.VUNPCKHPD(hi, lo, u[g][k])
			}
		}
	}
	var out [16]reg.VecVirtual
	for k := range 4 {
		var w [2][2]reg.VecVirtual // [rows 0-7 or 8-15][lanes 0,1 or 2,3]
		for h := range 2 {
			for half := range 2 {
				w[h][half] = b.ZMM()
				imm := uint8(0x44) // lanes 0, 1 of each
				if half == 1 {
					imm = 0xee // lanes 2, 3 of each
				}
				b.VSHUFF32X4(op.U8(imm), u[2*h+1][k], u[2*h][k], w[h][half])
			}
		}
		for l := range 4 {
			out[4*l+k] = b.ZMM()
			imm := uint8(0x88) // lanes 0, 2 of each
			if l%2 == 1 {
				imm = 0xdd // lanes 1, 3 of each
			}
			b.VSHUFF32X4(op.U8(imm), w[1][l/2], w[0][l/2], out[4*l+k])
		}
	}
	return out
}
