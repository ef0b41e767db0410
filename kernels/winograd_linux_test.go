package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// TestWinogradNoReadPastEnd runs every implementation of the transforms
// with an input row, the products or the bias ending where an
// inaccessible page begins: reading past the last channel (the masked
// AVX-512 tail) faults; and of the chunk products (gemm) with A, B or C
// ending there.
func TestWinogradNoReadPastEnd(t *testing.T) {
	t.Run("before", func(t *testing.T) { testInputRowBefore(t) })
	atEnd := guardedCopy(t, 4*syscall.Getpagesize()/4) // 4 readable pages, then one that is not
	rng := rand.New(rand.NewPCG(9, 10))
	for _, impl := range supportedWinograd() {
		for _, c := range []int{5, 17, 40} {
			for _, tiles := range []int{1, 3} {
				step := 2 * c * min(1, tiles-1)
				rowLen := (tiles-1)*step + c
				testInputRowGuarded(t, rng, impl, c, tiles, step)
				m, bias := winoRand(rng, 16*tiles*c), winoRand(rng, c)
				var y [4][]float32
				for k := range y {
					y[k] = make([]float32, rowLen)
				}
				impl.output(atEnd(m), tiles*c, tiles, c, bias, &y, step, true)
				impl.output(m, tiles*c, tiles, c, atEnd(bias), &y, step, false)
				for k := range y {
					dy := y
					dy[k] = atEnd(winoRand(rng, rowLen))
					impl.gradOut(&dy, step, tiles, c, m, tiles*c)
				}
			}
		}
		var s gemmScratch
		for _, rows := range []int{1, 11, 12, 13, 25} {
			for _, n := range []int{32, 64} {
				k := 5
				a, bm, cm := winoRand(rng, rows*k), winoRand(rng, k*n), make([]float32, rows*n)
				impl.gemm(atEnd(a), rows, k, bm, n, cm, &s)
				impl.gemm(a, rows, k, atEnd(bm), n, cm, &s)
				impl.gemm(a, rows, k, bm, n, atEnd(cm), &s)
			}
		}
	}
}

// testInputRowGuarded runs impl's inputRow on a run whose last tile's
// last column inside ends where an inaccessible page begins, the column
// after it (outside, bit 3 of last clear) lying in that page.
func testInputRowGuarded(t *testing.T, rng *rand.Rand, impl *winogradImpl, c, tiles, step int) {
	rowLen := (tiles-1)*step + 3*c
	x := guardedCopy(t, 4*rowLen)(winoRand(rng, 4*rowLen))
	off := [4]int{0, rowLen, 2 * rowLen, 3 * rowLen}
	zero := make([]float32, (tiles-1)*step+c)
	o := make([]float32, 16*tiles*c)
	impl.inputRow(x, &off, 15, 15, 7, zero, step, tiles, c, o, tiles*c)
	impl.inputRow(x, &off, 7, 15, 15, zero, step, tiles, c, o, tiles*c) // row 3 would start in the page
}

// testInputRowBefore runs every inputRow on runs whose first tile's
// first column (outside, bit 0 of first clear) lies in an inaccessible
// page just before x, and whose row 0 (outside) would too.
func testInputRowBefore(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	x := unsafe.Slice((*float32)(unsafe.Pointer(&mem[page])), 2*page/4)
	for _, impl := range supportedWinograd() {
		for _, c := range []int{5, 17, 40} {
			for _, tiles := range []int{1, 3} {
				step := 2 * c * min(1, tiles-1)
				rowLen := (tiles-1)*step + 4*c
				off := [4]int{-c, rowLen - c, 2*rowLen - c, 3*rowLen - c}
				zero := make([]float32, (tiles-1)*step+c)
				o := make([]float32, 16*tiles*c)
				impl.inputRow(x, &off, 15, 14, 15, zero, step, tiles, c, o, tiles*c)
				off[0] = -rowLen
				impl.inputRow(x, &off, 14, 14, 15, zero, step, tiles, c, o, tiles*c)
			}
		}
	}
}
