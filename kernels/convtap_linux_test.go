package kernels

import (
	"fmt"
	"testing"
)

// TestConvTapGuard: the three-tap kernels read and write nothing past the
// extents their wrappers check (x, w, y, bias and dz each end where an
// inaccessible page begins), for every row count and edges, and the
// kernel-gradient kernel with and without its padding pixels.
func TestConvTapGuard(t *testing.T) {
	fill := func(v []float32) []float32 {
		for i := range v {
			v[i] = float32(i%7) - 3
		}
		return v
	}
	for rows := 1; rows <= tapMaxRows; rows++ {
		for edges := 0; edges <= tapBoth; edges++ {
			const kh, c, ldw, ldy = 3, 16, 16, 16
			ldx := (rows + 2) * c
			x := fill(guardedF32(t, (kh-1)*ldx+tapPixels(rows, edges)*c))
			w := fill(guardedF32(t, (kh*3*c-1)*ldw+16))
			y := guardedF32(t, (rows-1)*ldy+16)
			bias := fill(guardedF32(t, 16))
			want := make([]float32, len(y))
			convTapGo(rows, edges, kh, c, x, ldx, w, ldw, want, ldy, bias)
			tapKernel(rows, edges, kh, c, x, ldx, w, ldw, y, ldy, bias)
			sameBits(t, fmt.Sprintf("rows %d, edges %d", rows, edges), y, want)
		}
	}
	for _, ow := range []int{2, 3, 4, 32, 33, 34} {
		for _, pad := range []bool{false, true} {
			const rows, c, f = 2, 16, 16
			ldx, pixels := (ow+2)*c, ow+2
			if pad {
				pixels = ow
			}
			x := fill(guardedF32(t, (rows-1)*ldx+(pixels-1)*c+8))
			dz := fill(guardedF32(t, rows*ow*f))
			g := guardedF32(t, (2*c+7)*f+16)
			want := make([]float32, len(g))
			convTapGradGo(rows, ow, x, ldx, c, dz, f, want, false, pad)
			tapGradKernel(rows, ow, x, ldx, c, dz, f, g, false, pad)
			sameBits(t, fmt.Sprintf("gradient ow %d, pad %v", ow, pad), g, want)
		}
	}
}
