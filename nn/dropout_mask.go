package nn

import (
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
)

// dropBlock is how many elements share one random stream: a multiple of
// 64, so each block owns whole words of the mask and blocks can run on
// any thread without changing a bit.
const dropBlock = 4096

// dropMask draws a Dropout mask. Block b of the elements draws from a PCG
// seeded with (seed, mix(b)); each 64-bit draw decides two elements, one
// per 32-bit half: an element is kept when the top 24 bits of its half,
// read as a fraction of 2^24, are >= Rate (the test rand.Float32 makes).
type dropMask struct {
	seed uint64
	thr  uint32 // keep when the 24-bit draw >= thr
	keep float32
}

// dropThreshold is the smallest 24-bit k with k/2^24 >= rate, so that
// "k >= thr" is "float32(k)/2^24 >= float32(rate)".
func dropThreshold(rate float64) uint32 {
	return uint32(math.Ceil(float64(float32(rate)) * (1 << 24)))
}

// mix spreads a block index over 64 bits (splitmix64's finalizer), so
// neighbouring blocks' streams start far apart.
func mix(b uint64) uint64 {
	b += 0x9e3779b97f4a7c15
	b = (b ^ b>>30) * 0xbf58476d1ce4e5b9
	b = (b ^ b>>27) * 0x94d049bb133111eb
	return b ^ b>>31
}

// forward fills mask (len(x)/64 words, rounded up) and y = x * mask, the
// blocks in parallel.
func (d dropMask) forward(x, y []float32, mask []uint64) {
	blocks := (len(x) + dropBlock - 1) / dropBlock
	kernels.ForEachChunk(blocks, 8, func(lo, hi int) {
		b := lo
		for ; b+8 <= hi && (b+8)*dropBlock <= len(x); b += 8 {
			e0, e1 := b*dropBlock, (b+8)*dropBlock
			d.block8(uint64(b), mask[e0/64:e1/64])
			kernels.ScaleByBits(y[e0:e1], x[e0:e1], mask[e0/64:e1/64], d.keep)
		}
		for ; b+4 <= hi && (b+4)*dropBlock <= len(x); b += 4 {
			e0, e1 := b*dropBlock, (b+4)*dropBlock
			d.block4(uint64(b), mask[e0/64:e1/64])
			kernels.ScaleByBits(y[e0:e1], x[e0:e1], mask[e0/64:e1/64], d.keep)
		}
		for ; b < hi; b++ {
			e0, e1 := b*dropBlock, min((b+1)*dropBlock, len(x))
			d.block(uint64(b), x[e0:e1], y[e0:e1], mask[e0/64:(e1+63)/64])
		}
	})
}

// block8 draws the mask words of the eight whole blocks from b on, as
// block does (kernels.PCGKeepBits: eight streams at once in AVX-512).
func (d dropMask) block8(b uint64, mask []uint64) {
	var streams [8]uint64
	for l := range streams {
		streams[l] = mix(b + uint64(l))
	}
	kernels.PCGKeepBits(mask[:8*dropBlock/64], dropBlock/64, d.seed, streams[:], d.thr)
}

// block4 draws the mask words of the four whole blocks from b on, as
// block does, their four streams interleaved (independent chains of
// multiplies that the core overlaps).
func (d dropMask) block4(b uint64, mask []uint64) {
	var p0, p1, p2, p3 rand.PCG
	p0.Seed(d.seed, mix(b))
	p1.Seed(d.seed, mix(b+1))
	p2.Seed(d.seed, mix(b+2))
	p3.Seed(d.seed, mix(b+3))
	const words = dropBlock / 64
	mask = mask[:4*words]
	for w := range words {
		var m0, m1, m2, m3 uint64
		for i := 0; i < 64; i += 2 {
			m0 |= d.pair(p0.Uint64(), i)
			m1 |= d.pair(p1.Uint64(), i)
			m2 |= d.pair(p2.Uint64(), i)
			m3 |= d.pair(p3.Uint64(), i)
		}
		mask[w], mask[words+w], mask[2*words+w], mask[3*words+w] = m0, m1, m2, m3
	}
}

// pair is the mask bits i and i+1 one draw r decides.
func (d dropMask) pair(r uint64, i int) uint64 {
	return keepBit(uint32(r)>>8 >= d.thr)<<i | keepBit(uint32(r>>32)>>8 >= d.thr)<<(i+1)
}

// block draws the mask words of one block, then applies them
// (kernels.ScaleByBits).
func (d dropMask) block(b uint64, x, y []float32, mask []uint64) {
	d.blockBits(b, len(x), mask)
	kernels.ScaleByBits(y, x, mask, d.keep)
}

// blockBits draws the mask words of one block of n elements.
func (d dropMask) blockBits(b uint64, n int, mask []uint64) {
	var p rand.PCG
	p.Seed(d.seed, mix(b))
	for w := range mask {
		k := min(64, n-w*64)
		var bits uint64
		for i := 0; i < k; i += 2 {
			bits |= d.pair(p.Uint64(), i)
		}
		if k < 64 {
			bits &= 1<<k - 1
		}
		mask[w] = bits
	}
}

func keepBit(k bool) uint64 {
	if k {
		return 1
	}
	return 0
}

// applyMask writes dst = src * mask (0 or keep per bit,
// kernels.ScaleByBits), in parallel over chunks of whole mask words; dst
// may be src.
func applyMask(dst, src []float32, mask []uint64, keep float32) {
	kernels.ForEachChunk(len(mask), 256, func(lo, hi int) {
		e0, e1 := lo*64, min(hi*64, len(src))
		kernels.ScaleByBits(dst[e0:e1], src[e0:e1], mask[lo:hi], keep)
	})
}
