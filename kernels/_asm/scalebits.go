package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// A Dropout's mask applied (scalebits_amd64.s, AVX-512 only): each value
// times keep where its bit is set and times +0 where it is clear, as the
// Go twin's v * scale[bit] (so -0 for a negative value and NaN for a NaN
// or an infinity, bit for bit). Whole 64-value words; the Go wrapper does
// a last partial one.

func genScaleBits() {
	name := header(avx512, "scaleByBits", "func(dst, src *float32, mask *uint64, words int, keep float32)",
		"sets dst[64w+i] = src[64w+i] * (keep where bit i of mask[w] is set, else +0), as scaleByBitsGo, for w < words.")
	dst, src, m, words := load64("dst"), load64("src"), load64("mask"), load64("words")
	keep := b.ZMM()
	b.VBROADCASTSS(mustAddr(b.Param("keep")), keep)
	var k reg.OpmaskVirtual = b.K()
	word := b.GP64()
	b.Label(name + "_word")
	b.TESTQ(words, words)
	b.JZ(op.LabelRef(name + "_done"))
	b.MOVQ(op.Mem{Base: m}, word)
	for j := 0; j < 4; j++ {
		b.KMOVW(word.As32(), k) // the low 16 bits
		s, v := b.ZMM(), b.ZMM()
		b.VMOVAPS_Z(keep, k, s) // keep or +0 per lane
		b.VMULPS(op.Mem{Base: src, Disp: 64 * j}, s, v)
		b.VMOVUPS(v, op.Mem{Base: dst, Disp: 64 * j})
		if j < 3 {
			b.SHRQ(op.U8(16), word)
		}
	}
	b.ADDQ(op.U32(8), m)
	b.ADDQ(op.U32(256), src)
	b.ADDQ(op.U32(256), dst)
	b.DECQ(words)
	b.JMP(op.LabelRef(name + "_word"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}
