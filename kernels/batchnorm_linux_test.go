package kernels

import (
	"syscall"
	"testing"
	"unsafe"
)

// TestNormNoReadPastEnd runs the batch-normalization kernels on rows and
// per-channel constants that end where an inaccessible page begins: a
// kernel that reads past the end of a slice (a masked tail touching the
// lanes it masks off) faults.
func TestNormNoReadPastEnd(t *testing.T) {
	page := syscall.Getpagesize()
	mem := guardedBytes(t, 3*page) // then an inaccessible page
	// float32 rows ending at the end of page 1 (x) and at the guard page
	// (dy), and float64 per-channel constants ending at the guard page.
	f32 := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), 3*page/4)
	f64 := unsafe.Slice((*float64)(unsafe.Pointer(&mem[2*page])), page/8)
	for i := range f32 {
		f32[i] = float32(i%5) - 2
	}
	for i := range f64 {
		f64[i] = 0.5
	}
	q := page / 4
	x, dy := f32[:q], f32[2*q:]
	atEnd := func(s []float32, n int) []float32 { return s[len(s)-n:] }
	for _, impl := range supportedNorm() {
		for c := 1; c <= 41; c++ {
			rows := 3
			xs, ds := atEnd(x, rows*c), atEnd(dy, rows*c)
			cst := func(i int) []float64 { return f64[len(f64)-c*(i+1) : len(f64)-c*i] }
			s, sq := make([]float64, c), make([]float64, c) // written: kept off the guard page
			copy(s, cst(5))
			impl.sums(s, sq, cst(0), cst(1), xs, nil, false)
			impl.sums(s, sq, cst(0), nil, xs, nil, false)
			impl.sums(s, sq, cst(0), cst(1), xs, ds, true)
			impl.sums(s, sq, cst(0), cst(1), xs, ds, false)
			impl.grad(ds, xs, cst(0), cst(1), cst(2), cst(3), cst(4), true)
			impl.grad(ds, xs, cst(4), cst(3), cst(2), cst(1), cst(0), false)
			impl.apply(ds, xs, cst(0), cst(1))
			impl.applyRelu6(ds, xs, cst(0), cst(1))
			impl.sumsRelu6(s, sq, cst(0), cst(1), xs, ds, xs)
			impl.sumsRelu6(s, sq, cst(0), cst(1), ds, xs, xs)
			impl.sumsRelu6(s, sq, cst(0), cst(1), xs, xs, ds)
			// the same with x's role on the guarded rows
			impl.sums(s, sq, cst(0), cst(1), ds, nil, false)
			impl.sums(s, sq, cst(0), nil, ds, nil, false)
			impl.sums(s, sq, cst(0), cst(1), ds, xs, true)
			impl.grad(xs, ds, cst(0), cst(1), cst(2), cst(3), cst(4), false)
			impl.apply(xs, ds, cst(0), cst(1))
			impl.applyRelu6(xs, ds, cst(0), cst(1))
			for i := range ds {
				ds[i] = float32(i%3) - 1
			}
		}
	}
}
