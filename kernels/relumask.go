package kernels

import (
	"encoding/binary"
	"math"
)

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

// CopyKept writes d[i] = dy[i] where bit i%8 of keep[i/8] is set and +0
// where it is clear: ReluGrad on a copy of dy, from the bits a kernel
// kept for relu (NormApplyAddReluKeep's; ApplyReluMask's rule). It runs
// on the calling goroutine and panics unless d is shaped as dy and keep
// holds len(dy) bits.
func CopyKept(d, dy []float32, keep []byte) {
	sameLen("CopyKept", "d", len(d), "dy", len(dy))
	checkKeep("CopyKept", keep, len(dy))
	var words [keptPiece / 64]uint64
	for lo := 0; lo < len(dy); lo += keptPiece {
		hi := min(len(dy), lo+keptPiece)
		ds, bits := d[lo:hi], keep[lo/8:(hi+7)/8]
		copy(ds, dy[lo:hi])
		w := words[:(hi-lo+63)/64]
		for i := range w {
			var b [8]byte
			copy(b[:], bits[min(len(bits), 8*i):])
			w[i] = binary.LittleEndian.Uint64(b[:])
		}
		ew.applyReluMask(ds, w)
	}
}

// keptPiece is CopyKept's piece of values (16 KiB of float32, a multiple
// of 64): copied, then masked in the L1 cache.
const keptPiece = 4 << 10
