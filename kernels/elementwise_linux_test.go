package kernels

import (
	"syscall"
	"testing"
	"unsafe"
)

// TestElementwiseNoReadPastEnd runs every kernel on slices that end where
// an inaccessible page begins: a kernel that reads (not only writes) past
// the end of a slice faults. It covers the masked AVX-512 tails, which
// must not touch the lanes they mask off.
func TestElementwiseNoReadPastEnd(t *testing.T) {
	page := syscall.Getpagesize()
	mem := guardedBytes(t, 2*page) // then an inaccessible page
	// Two float32 arrays, each ending at a page end: a (before page 1) and
	// b (before the protected page 2).
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), 2*page/4)
	q := page / 4
	a, b := floats[:q], floats[q:]
	for i := range floats {
		floats[i] = float32(i%7) - 3
	}
	atEnd := func(s []float32, n int) []float32 { return s[len(s)-n:] }
	for _, impl := range supportedElementwise() {
		for n := 0; n <= 67; n++ {
			x, y := atEnd(a, n), atEnd(b, n)
			impl.relu(y, x)
			impl.relu(x, y)
			impl.reluGrad(y, x)
			impl.reluGrad(x, y)
			impl.relu6(y, x)
			impl.relu6(x, y)
			impl.relu6Grad(y, x)
			impl.relu6Grad(x, y)
			impl.add2(y, x, y)
			impl.add2Relu(x, y, x)
			impl.addTo(y, x)
			impl.addTo(x, y)
			impl.adam(y, y, y, y, 1e-3, 0.1, 0.001, 1e-7)
			impl.copyRuns(y, x, 1, n, 0, 0)
			impl.addRuns(x, y, 1, n, 0, 0)
			impl.copyRuns(atEnd(b, n+3), atEnd(a, n+5), 2, n, 3, 5)
			impl.addRuns(atEnd(a, n+5), atEnd(b, n+3), 2, n, 5, 3)
			mask := make([]uint64, (n+63)/64)
			impl.reluMask(mask, x)
			impl.applyReluMask(y, mask)
			if n > 0 {
				acc := make([]float64, n)
				impl.sumRows64(acc, atEnd(b, n*(min(q/n, 5))))
			}
		}
		for _, s := range []poolShape{{2, 2, 1}, {3, 5, 3}, {4, 4, 17}, {2, 2, 16}, {5, 3, 8}} {
			nx, ny := s.h*s.w*s.c, (s.h/2)*(s.w/2)*s.c
			impl.maxPool2x2(atEnd(a, ny), atEnd(b, nx), s.h, s.w, s.c)
			impl.maxPool2x2Relu(atEnd(a, ny), atEnd(b, nx), s.h, s.w, s.c)
			impl.maxPool2x2Grad(atEnd(b, nx), atEnd(a, nx), atEnd(b, ny), atEnd(a, ny), s.h, s.w, s.c)
			impl.maxPool2x2Grad(atEnd(a, nx), atEnd(b, nx), atEnd(a, ny), atEnd(b, ny), s.h, s.w, s.c)
		}
	}
}
