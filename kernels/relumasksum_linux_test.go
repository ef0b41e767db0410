package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// TestApplyReluMaskSumNoReadPastEnd runs ApplyReluMaskSumRows64 with dy,
// the mask or the sums ending where an inaccessible page begins: a kernel
// that touches past them faults.
func TestApplyReluMaskSumNoReadPastEnd(t *testing.T) {
	page := syscall.Getpagesize()
	mem := guardedBytes(t, 2*page) // then an inaccessible page
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&mem[page])), page/4)
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[page])), page/8)
	sums := unsafe.Slice((*float64)(unsafe.Pointer(&mem[page])), page/8)
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{16, 32, 48, 64, 80} {
		for _, rows := range []int{1, 3, 5} {
			dy := make([]float32, rows*n)
			for i := range dy {
				dy[i] = float32(rng.NormFloat64())
			}
			mask := make([]uint64, (rows*n+63)/64)
			for w := range mask {
				mask[w] = rng.Uint64()
			}
			end := floats[len(floats)-len(dy):]
			copy(end, dy)
			ApplyReluMaskSumRows64(make([]float64, n), end, mask)
			mend := words[len(words)-len(mask):]
			copy(mend, mask)
			ApplyReluMaskSumRows64(make([]float64, n), dy, mend)
			ApplyReluMaskSumRows64(sums[len(sums)-n:], dy, mask)
		}
	}
}
