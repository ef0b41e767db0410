package kernels

import "math"

// ApplyReluMaskSumRows64 is ApplyReluMask(dy, mask) followed by
// SumRows64(acc, dy) in one pass over dy (rows of n = len(acc) values):
// each value whose bit is clear becomes +0, and acc[j] gets every row's
// value of column j added in row order, as a float64. It gives their bits
// (a layer that keeps relu's mask and learns a bias: one read of its
// output gradient instead of two). With AVX-512 and n a multiple of 16 it
// runs fused, the threads taking whole pairs of groups of 16 columns (128
// bytes of each row: a thread that took half of a pair would share its
// cache lines' prefetched neighbours with another; each column's sum runs
// in row order, whoever runs it); otherwise it runs the two kernels. It
// panics unless len(dy) is a multiple of len(acc) and mask holds
// (len(dy)+63)/64 words.
func ApplyReluMaskSumRows64(acc []float64, dy []float32, mask []uint64) {
	n := len(acc)
	if (n == 0 && len(dy) != 0) || (n != 0 && len(dy)%n != 0) || len(mask) < (len(dy)+63)/64 {
		panic("kernels.ApplyReluMaskSumRows64: dy is not whole rows of len(acc), or mask too short")
	}
	if n == 0 || len(dy) == 0 {
		return
	}
	groups := n / 16
	if n%16 != 0 || !relumaskSumFused {
		ApplyReluMask(dy, mask)
		SumRows64(acc, dy)
		return
	}
	rows := len(dy) / n
	ForEachChunk((groups+1)/2, max(1, minMaskSumValues/(32*rows)), func(lo, hi int) {
		g0, g1 := 2*lo, min(2*hi, groups)
		relumaskSum(acc[g0*16:g1*16], dy[g0*16:], mask, g0, rows, n)
	})
}

// minMaskSumValues is the fewest values (rows × columns) worth another
// thread's share.
const minMaskSumValues = 1 << 15

// applyReluMaskSumGo is one share of ApplyReluMaskSumRows64: columns
// [16·g0, 16·g0 + len(acc)) of rows rows of dy (ld values apart, dy
// starting at column 16·g0 of row 0), their mask bits from group g0: the
// twin of applyReluMaskSum<v>x16AVX512 (the same bits, but for which NaN
// a sum that meets two NaNs keeps, as with sumRows64Go).
func applyReluMaskSumGo(acc []float64, dy []float32, mask []uint64, g0, rows, ld int) {
	for r := range rows {
		row := dy[r*ld : r*ld+len(acc)]
		for j, v := range row {
			bit := r*ld + 16*g0 + j
			keep := -uint32(mask[bit/64] >> (bit % 64) & 1)
			v = math.Float32frombits(math.Float32bits(v) & keep)
			row[j] = v
			acc[j] += float64(v)
		}
	}
}
