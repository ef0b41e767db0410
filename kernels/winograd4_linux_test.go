package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// TestWinograd4NoReadPastEnd runs every implementation of the F(4×4)
// transforms with a patch row, the products or the bias ending where an
// inaccessible page begins, and of the kernel transform's row with the
// kernel or its transform ending there: reading or writing past the last
// channel (the masked AVX-512 tail) faults.
func TestWinograd4NoReadPastEnd(t *testing.T) {
	atEnd := guardedCopy(t, 16*syscall.Getpagesize()/4) // 16 readable pages, then one that is not
	rng := rand.New(rand.NewPCG(37, 38))
	for _, impl := range supportedWinograd() {
		for _, c := range []int{5, 17, 40} {
			for _, tiles := range []int{1, 3} {
				step := 4 * c * min(1, tiles-1)
				rowLen := (tiles-1)*step + c
				for i := range 36 {
					var d [36][]float32
					for k := range d {
						d[k] = winoRand(rng, rowLen)
					}
					d[i] = atEnd(d[i])
					impl.input4(&d, step, tiles, c, make([]float32, 36*tiles*c), tiles*c)
				}
				m, bias := winoRand(rng, 36*tiles*c), winoRand(rng, c)
				var y [16][]float32
				for k := range y {
					y[k] = make([]float32, rowLen)
				}
				impl.output4(atEnd(m), tiles*c, tiles, c, bias, &y, step, true)
				impl.output4(m, tiles*c, tiles, c, atEnd(bias), &y, step, false)
			}
			// The kernel transform of a row of c channel pairs (cf = c).
			w, u := winoRand(rng, 9*c), make([]float32, 16*c)
			impl.kernelRow(atEnd(w), c, c, u)
			impl.kernelRow(w, c, c, atEnd(u))
		}
	}
}
