package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// TestScaleByBitsNoReadPastEnd runs ScaleByBits with the source, the
// destination or the mask ending where an inaccessible page begins: a
// kernel that touches past the last whole word (the Go tail's values)
// faults.
func TestScaleByBitsNoReadPastEnd(t *testing.T) {
	page := syscall.Getpagesize()
	mem := guardedBytes(t, 2*page) // then an inaccessible page
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&mem[page])), page/4)
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[page])), page/8)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 200} {
		x, y := scaleInputs(rng, n), make([]float32, n)
		mask := make([]uint64, (n+63)/64)
		for w := range mask {
			mask[w] = rng.Uint64()
		}
		end := floats[len(floats)-n:]
		copy(end, x)
		ScaleByBits(y, end, mask, 2)
		ScaleByBits(end, x, mask, 2)
		mend := words[len(words)-len(mask):]
		copy(mend, mask)
		ScaleByBits(y, x, mend, 2)
	}
}

// BenchmarkScaleByBits times ScaleByBits on 1M values (a vgg-small 64 px
// Dropout's input at batch 32) against the Go loop:
//
//	go test ./kernels -run '^$' -bench ScaleByBits -cpu 1
func BenchmarkScaleByBits(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := scaleInputs(rng, n), make([]float32, n)
	mask := make([]uint64, n/64)
	for w := range mask {
		mask[w] = rng.Uint64()
	}
	for _, v := range []struct {
		name string
		fn   func(dst, src []float32, mask []uint64, keep float32)
	}{{"go", scaleByBitsGo}, {"build", ScaleByBits}} {
		b.Run(v.name, func(b *testing.B) {
			c0 := processCPU()
			for b.Loop() {
				v.fn(y, x, mask, 4.0/3)
			}
			b.ReportMetric(float64(processCPU()-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
