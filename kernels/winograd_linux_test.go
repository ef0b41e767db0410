package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// TestWinogradNoReadPastEnd runs every implementation of the transforms
// with an input row, the products or the bias ending where an
// inaccessible page begins: reading past the last channel (the masked
// AVX-512 tail) faults; and of the chunk products (gemm) with A, B or C
// ending there.
func TestWinogradNoReadPastEnd(t *testing.T) {
	atEnd := guardedCopy(t, 4*syscall.Getpagesize()/4) // 4 readable pages, then one that is not
	rng := rand.New(rand.NewPCG(9, 10))
	for _, impl := range supportedWinograd() {
		for _, c := range []int{5, 17, 40} {
			for _, tiles := range []int{1, 3} {
				step := 2 * c * min(1, tiles-1)
				rowLen := (tiles-1)*step + c
				for i := range 16 {
					var d [16][]float32
					for k := range d {
						d[k] = winoRand(rng, rowLen)
					}
					d[i] = atEnd(d[i])
					impl.input(&d, step, tiles, c, make([]float32, 16*tiles*c), tiles*c)
				}
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
