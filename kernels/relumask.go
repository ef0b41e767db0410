package kernels

import "math"

// ReluMask sets bit i%64 of mask[i/64] where ReluGrad would keep dy[i]
// given relu's output y[i] (-int32(bits(y[i])) negative), and clears it
// elsewhere: a layer whose output is overwritten keeps relu's gradient
// as one bit per value. mask needs (len(y)+63)/64 words (it panics
// otherwise). The words are split over threads.
func ReluMask(mask []uint64, y []float32) {
	words := (len(y) + 63) / 64
	if len(mask) < words {
		panic("kernels.ReluMask: mask too short")
	}
	ForEachChunk(words, minMaskWords, func(lo, hi int) {
		ew.reluMask(mask[lo:hi], y[lo*64:min(len(y), hi*64)])
	})
}

// ReluMaskSerial is ReluMask on the calling goroutine only.
func ReluMaskSerial(mask []uint64, y []float32) {
	words := (len(y) + 63) / 64
	if len(mask) < words {
		panic("kernels.ReluMaskSerial: mask too short")
	}
	ew.reluMask(mask[:words], y)
}

// ApplyReluMask zeroes dy[i] (to +0) where bit i%64 of mask[i/64] is
// clear and keeps it, bit for bit, where it is set: ReluGrad from the
// bits ReluMask kept. It panics unless mask holds (len(dy)+63)/64 words.
func ApplyReluMask(dy []float32, mask []uint64) {
	words := (len(dy) + 63) / 64
	if len(mask) < words {
		panic("kernels.ApplyReluMask: mask too short")
	}
	ForEachChunk(words, minMaskWords, func(lo, hi int) {
		ew.applyReluMask(dy[lo*64:min(len(dy), hi*64)], mask[lo:hi])
	})
}

// minMaskWords is the fewest mask words (64 values each) worth another
// thread.
const minMaskWords = 256

// reluMaskGo is ReluMask on one chunk (len(mask) == (len(y)+63)/64).
func reluMaskGo(mask []uint64, y []float32) {
	for w := range mask {
		ys := y[w*64 : min(len(y), w*64+64)]
		var m uint64
		for i, v := range ys {
			m |= uint64(uint32(-int32(math.Float32bits(v)))>>31) << i
		}
		mask[w] = m
	}
}

// applyReluMaskGo is ApplyReluMask on one chunk.
func applyReluMaskGo(dy []float32, mask []uint64) {
	for w, m := range mask {
		ds := dy[w*64 : min(len(dy), w*64+64)]
		for i, d := range ds {
			keep := -uint32(m >> i & 1) // all ones or zero
			ds[i] = math.Float32frombits(math.Float32bits(d) & keep)
		}
	}
}
