package kernels

import "math/rand/v2"

// PCGKeepBits draws a Dropout's keep bits from len(streams) PCG streams
// (math/rand/v2's PCG seeded with (seed, streams[l])): stream l's words
// words go to mask[l*words:], 32 draws per word, draw j deciding bit 2j
// (its low 32 bits) and bit 2j+1 (its high 32 bits), set where their top
// 24 bits are >= thr. Eight streams at a time run in AVX-512 with DQ
// (pcgKeepBits8AVX512: the LCG and its DXSM output one stream per 64-bit
// lane), the rest in Go (pcgKeepBitsGo, the twin); both give the bits of
// rand.PCG's Uint64. It panics unless mask holds len(streams)*words words.
func PCGKeepBits(mask []uint64, words int, seed uint64, streams []uint64, thr uint32) {
	if words < 0 || len(mask) < len(streams)*words {
		panic("kernels.PCGKeepBits: mask too short")
	}
	l := 0
	if pcgBits8 != nil {
		for ; l+8 <= len(streams); l += 8 {
			pcgBits8(mask[l*words:(l+8)*words], words, seed, streams[l:l+8], thr)
		}
	}
	pcgKeepBitsGo(mask[l*words:], words, seed, streams[l:], thr)
}

// pcgKeepBitsGo is PCGKeepBits with rand.PCG, a stream at a time.
func pcgKeepBitsGo(mask []uint64, words int, seed uint64, streams []uint64, thr uint32) {
	for l, s := range streams {
		p := rand.NewPCG(seed, s)
		for w := range words {
			var m uint64
			for i := 0; i < 64; i += 2 {
				r := p.Uint64()
				m |= keepBit(uint32(r)>>8 >= thr)<<i | keepBit(uint32(r>>32)>>8 >= thr)<<(i+1)
			}
			mask[l*words+w] = m
		}
	}
}

func keepBit(k bool) uint64 {
	if k {
		return 1
	}
	return 0
}
