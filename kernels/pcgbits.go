package kernels

import "math/rand/v2"

// PCGKeepBits draws a Dropout's keep bits from len(streams) PCG streams
// (math/rand/v2's PCG seeded with (seed, streams[l])): stream l's words
// words go to mask[l*words:], 32 draws per word, draw j deciding bit 2j
// (its low 32 bits) and bit 2j+1 (its high 32 bits), set where their top
// 24 bits are >= thr. Eight streams at a time run in AVX-512 with DQ
// (pcgKeepBits8AVX512: the LCG and its DXSM output one stream per 64-bit
// lane), the rest in Go (pcgKeepBitsGo, the twin, four streams
// interleaved); both give the bits of rand.PCG's Uint64. It panics unless mask holds len(streams)*words words.
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

// pcgKeepBitsGo is PCGKeepBits with rand.PCG: four streams at a time,
// interleaved (independent chains of multiplies that the core overlaps),
// then the rest one at a time.
func pcgKeepBitsGo(mask []uint64, words int, seed uint64, streams []uint64, thr uint32) {
	l := 0
	for ; l+4 <= len(streams); l += 4 {
		var p0, p1, p2, p3 rand.PCG
		p0.Seed(seed, streams[l])
		p1.Seed(seed, streams[l+1])
		p2.Seed(seed, streams[l+2])
		p3.Seed(seed, streams[l+3])
		for w := range words {
			var m0, m1, m2, m3 uint64
			for i := 0; i < 64; i += 2 {
				m0 |= keepPair(p0.Uint64(), i, thr)
				m1 |= keepPair(p1.Uint64(), i, thr)
				m2 |= keepPair(p2.Uint64(), i, thr)
				m3 |= keepPair(p3.Uint64(), i, thr)
			}
			mask[l*words+w], mask[(l+1)*words+w], mask[(l+2)*words+w], mask[(l+3)*words+w] = m0, m1, m2, m3
		}
	}
	for ; l < len(streams); l++ {
		p := rand.NewPCG(seed, streams[l])
		for w := range words {
			var m uint64
			for i := 0; i < 64; i += 2 {
				m |= keepPair(p.Uint64(), i, thr)
			}
			mask[l*words+w] = m
		}
	}
}

// keepPair is the bits i and i+1 one draw r decides.
func keepPair(r uint64, i int, thr uint32) uint64 {
	return keepBit(uint32(r)>>8 >= thr)<<i | keepBit(uint32(r>>32)>>8 >= thr)<<(i+1)
}

func keepBit(k bool) uint64 {
	if k {
		return 1
	}
	return 0
}
