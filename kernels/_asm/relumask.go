package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// relu's mask as bits (elementwise_amd64.s, AVX-512 only): a
// Conv2D/Dense whose output a BatchNormalization overwrites keeps one bit
// per output, set where ReluGrad would keep the gradient (0 - bits(y)
// negative as an int32), and applies it to dy in Backward. Both kernels
// take whole 64-value words; the Go wrappers do a last partial one.

// genReluMask: mask[w] bit i = (0 - bits(y[64w+i])) < 0, for w < words.
func genReluMask() {
	name := header(avx512, "reluMask", "func(mask *uint64, y *float32, words int)",
		"sets bit i of mask[w] where -int32(bits(y[64w+i]))>>31 is set, as reluMaskGo, for w < words.")
	m, y, words := load64("mask"), load64("y"), load64("words")
	zero := avx512.zero()
	k, word, part := b.K(), b.GP64(), b.GP64()
	b.Label(name + "_word")
	b.TESTQ(words, words)
	b.JZ(op.LabelRef(name + "_done"))
	b.XORQ(word, word)
	for j := 3; j >= 0; j-- {
		v := b.ZMM()
		b.VMOVUPS(op.Mem{Base: y, Disp: 64 * j}, v)
		b.VPSUBD(v, zero, v)    // 0 - y
		b.VPCMPGTD(v, zero, k)  // 0 > (0 - y)
		b.KMOVW(k, part.As32()) // zero-extends
		b.SHLQ(op.U8(16), word) // the words above come first
		b.ORQ(part, word)
	}
	b.MOVQ(word, op.Mem{Base: m})
	b.ADDQ(op.U32(8), m)
	b.ADDQ(op.U32(256), y)
	b.DECQ(words)
	b.JMP(op.LabelRef(name + "_word"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// genApplyReluMask: dy[64w+i] = 0 (+0) where bit i of mask[w] is clear.
func genApplyReluMask() {
	name := header(avx512, "applyReluMask", "func(dy *float32, mask *uint64, words int)",
		"zeroes dy[64w+i] where bit i of mask[w] is clear, as applyReluMaskGo, for w < words.")
	dy, m, words := load64("dy"), load64("mask"), load64("words")
	var k reg.OpmaskVirtual = b.K()
	word := b.GP64()
	b.Label(name + "_word")
	b.TESTQ(words, words)
	b.JZ(op.LabelRef(name + "_done"))
	b.MOVQ(op.Mem{Base: m}, word)
	for j := 0; j < 4; j++ {
		b.KMOVW(word.As32(), k) // the low 16 bits
		v := b.ZMM()
		b.VMOVUPS_Z(op.Mem{Base: dy, Disp: 64 * j}, k, v)
		b.VMOVUPS(v, op.Mem{Base: dy, Disp: 64 * j})
		if j < 3 {
			b.SHRQ(op.U8(16), word)
		}
	}
	b.ADDQ(op.U32(8), m)
	b.ADDQ(op.U32(256), dy)
	b.DECQ(words)
	b.JMP(op.LabelRef(name + "_word"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}
