package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// A Dropout's keep bits from eight PCG streams at once (pcgbits_amd64.s,
// AVX-512 with DQ): the 128-bit LCG step and the DXSM output of
// math/rand/v2's PCG, one stream per 64-bit lane, each draw deciding two
// bits (the top 24 bits of its low and of its high 32 bits against a
// threshold), as pcgKeepBitsGo.

// PCG's constants (math/rand/v2, pcg.go).
const (
	pcgMulHi    = 2549297995355413924
	pcgMulLo    = 4865540595714422341
	pcgIncHi    = 6364136223846793005
	pcgIncLo    = 1442695040888963407
	pcgCheapMul = 0xda942042e4dd58b5
)

// broadcastQ returns a vector with every 64-bit lane set to v.
func broadcastQ(v uint64) reg.VecVirtual {
	g, r := b.GP64(), b.ZMM()
	b.MOVQ(op.U64(v), g)
	b.VPBROADCASTQ(g, r)
	return r
}

// genPCGBits emits pcgKeepBits8AVX512.
func genPCGBits() {
	name := "pcgKeepBits8AVX512"
	b.TEXT(name, b.NOSPLIT, "func(state *uint64, words int, thr uint64, mask *uint64, ld int)")
	b.Pragma("noescape")
	b.Doc(name+" advances eight PCG streams (state: their hi words, then their lo words) 32 draws per word, for",
		"words words, and writes stream l's w-th word of keep bits at mask[l*ld + w]: bit 2j from draw j's low 32",
		"bits, bit 2j+1 from its high ones, set where their top 24 bits are >= thr, as pcgKeepBitsGo.")
	st, words, mp, ld := load64("state"), load64("words"), load64("mask"), load64("ld")
	b.SHLQ(op.U8(3), ld)
	hi, lo := b.ZMM(), b.ZMM()
	b.VMOVDQU64(op.Mem{Base: st}, hi)
	b.VMOVDQU64(op.Mem{Base: st, Disp: 64}, lo)
	bLo, bHi, mLo, mHi := broadcastQ(pcgMulLo&0xffffffff), broadcastQ(pcgMulLo>>32), broadcastQ(pcgMulLo), broadcastQ(pcgMulHi)
	iLo, iHi, cheap, one := broadcastQ(pcgIncLo), broadcastQ(pcgIncHi), broadcastQ(pcgCheapMul), broadcastQ(1)
	m32, ff00 := broadcastQ(0xffffffff), broadcastQ(0xffffff00)
	thr, thr8 := b.ZMM(), b.ZMM()
	g := load64("thr")
	b.VPBROADCASTQ(g, thr)
	b.SHLQ(op.U8(8), g)
	b.VPBROADCASTQ(g, thr8)
	tmp := b.AllocLocal(64)
	word, bit, j := b.ZMM(), b.ZMM(), b.GP64()
	b.Label(name + "_word")
	b.TESTQ(words, words)
	b.JZ(op.LabelRef(name + "_done"))
	b.VPXORQ(word, word, word)
	b.VMOVDQA64(one, bit)
	b.MOVQ(op.U32(32), j)
	b.Label(name + "_draw")
	pcgStep(hi, lo, bLo, bHi, mLo, mHi, iLo, iHi, m32, one)
	o := pcgOutput(hi, lo, cheap, one)
	k := b.K()
	t := b.ZMM()
	b.VPANDQ(ff00, o, t)
	b.VPCMPUQ(op.U8(5), thr8, t, k) // (low 32 bits &^ 0xff) >= thr<<8
	b.VPORQ(bit, word, k, word)
	b.VPSRLQ(op.U8(40), o, t)
	b.VPCMPUQ(op.U8(5), thr, t, k) // high 32 bits >> 8 >= thr
	b.VPADDQ(bit, bit, t)
	b.VPORQ(t, word, k, word)
	b.VPSLLQ(op.U8(2), bit, bit)
	b.DECQ(j)
	b.JNZ(op.LabelRef(name + "_draw"))
	b.VMOVDQU64(word, tmp)
	p, v := b.GP64(), b.GP64()
	b.MOVQ(mp, p)
	for l := range 8 {
		b.MOVQ(tmp.Offset(8*l), v)
		b.MOVQ(v, op.Mem{Base: p})
		if l < 7 {
			b.ADDQ(ld, p)
		}
	}
	b.ADDQ(op.U8(8), mp)
	b.DECQ(words)
	b.JMP(op.LabelRef(name + "_word"))
	b.Label(name + "_done")
	b.VMOVDQU64(hi, op.Mem{Base: st})
	b.VMOVDQU64(lo, op.Mem{Base: st, Disp: 64})
	b.VZEROUPPER()
	b.RET()
}

// pcgStep emits state = state*mul + inc on the lanes (hi, lo): the low
// product's high half from four 32-bit multiplies (AVX-512 has no 64×64
// high multiply), as bits.Mul64.
func pcgStep(hi, lo, bLo, bHi, mLo, mHi, iLo, iHi, m32, one reg.VecVirtual) {
	ah, p00, p01, p10, p11 := b.ZMM(), b.ZMM(), b.ZMM(), b.ZMM(), b.ZMM()
	b.VPSRLQ(op.U8(32), lo, ah)
	b.VPMULUDQ(bLo, lo, p00)
	b.VPMULUDQ(bHi, lo, p01)
	b.VPMULUDQ(bLo, ah, p10)
	b.VPMULUDQ(bHi, ah, p11)
	mid, t, h := b.ZMM(), b.ZMM(), b.ZMM()
	b.VPSRLQ(op.U8(32), p00, mid)
	b.VPANDQ(m32, p01, t)
	b.VPADDQ(t, mid, mid)
	b.VPANDQ(m32, p10, t)
	b.VPADDQ(t, mid, mid)
	b.VPSRLQ(op.U8(32), p01, h)
	b.VPADDQ(p11, h, h)
	b.VPSRLQ(op.U8(32), p10, t)
	b.VPADDQ(t, h, h)
	b.VPSRLQ(op.U8(32), mid, t)
	b.VPADDQ(t, h, h) // high 64 bits of lo*mulLo
	b.VPMULLQ(mLo, hi, t)
	b.VPADDQ(t, h, h)
	b.VPMULLQ(mHi, lo, t)
	b.VPADDQ(t, h, h) // + hi*mulLo + lo*mulHi
	b.VPSLLQ(op.U8(32), mid, t)
	b.VPANDQ(m32, p00, p00)
	b.VPORQ(p00, t, t) // low 64 bits of lo*mulLo
	b.VPADDQ(iLo, t, lo)
	k := b.K()
	b.VPCMPUQ(op.U8(1), iLo, lo, k) // lo < incLo: a carry
	b.VPADDQ(iHi, h, hi)
	b.VPADDQ(one, hi, k, hi)
}

// pcgOutput emits DXSM of the stepped state: h = hi ^ hi>>32, h *= cheapMul,
// h ^= h>>48, h *= lo|1; it returns h.
func pcgOutput(hi, lo, cheap, one reg.VecVirtual) reg.VecVirtual {
	h, t := b.ZMM(), b.ZMM()
	b.VPSRLQ(op.U8(32), hi, t)
	b.VPXORQ(t, hi, h)
	b.VPMULLQ(cheap, h, h)
	b.VPSRLQ(op.U8(48), h, t)
	b.VPXORQ(t, h, h)
	b.VPORQ(one, lo, t)
	b.VPMULLQ(t, h, h)
	return h
}
