package kernels

import (
	"testing"
)

// TestNormKeepNoReadPastEnd runs the kernels with relu's or relu6's gradient as
// bits on arrays that each end at an inaccessible page (rows, bits and
// per-channel constants): a kernel that reads or writes past the end of
// one faults.
func TestNormKeepNoReadPastEnd(t *testing.T) {
	for _, impl := range supportedNorm() {
		for _, c := range []int{3, 8, 16, 24, 32, 40, 56, 96} {
			n := 5 * c
			x, dy, y := guardedF32(t, n), guardedF32(t, n), guardedF32(t, n)
			keep := guardedBytes(t, (n+7)/8)
			per := make([][]float64, 7)
			for i := range per {
				per[i] = guardedF64(t, c)
				for j := range per[i] {
					per[i][j] = 0.5 + float64(j)
				}
			}
			for i := range x {
				x[i], dy[i] = float32(i%7)-2, float32(i%3)-1
			}
			impl.applyReluKeep(y, x, per[0], per[1], keep)
			impl.applyRelu6Keep(y, x, per[0], per[1], keep)
			impl.applyAddReluKeep(y, x, guardedF32(t, n), per[0], per[1], keep)
			CopyKept(guardedF32(t, n), dy, keep)
			impl.sumsKeep(per[2], per[3], per[0], per[1], x, dy, keep)
			impl.gradKeepTo(guardedF32(t, n), dy, x, per[0], per[1], per[4], per[5], per[6], keep)
			impl.gradKeep(dy, x, per[0], per[1], per[4], per[5], per[6], keep)
			impl.addKept(y, x, keep)
		}
	}
}
