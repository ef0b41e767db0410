//go:build purego || !amd64

package kernels

// relumaskSumFused: without assembly ApplyReluMaskSumRows64 runs the two
// kernels; applyReluMaskSumGo (its fused twin) is what tests compare the
// assembly with.
const relumaskSumFused = false

// relumaskSum is never reached in this build (relumaskSumFused is false).
func relumaskSum(acc []float64, dy []float32, mask []uint64, g0, rows, ld int) {
	applyReluMaskSumGo(acc, dy, mask, g0, rows, ld)
}
