package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestWinogradConvResidual checks WinogradConvResidual against
// WinogradConv without relu then Add2Relu with the residual as either
// operand: the same bits (NaNs in the residual included), with chunks
// that cut rows of tiles and whole batches, on 1 and 2 threads; and that
// WinogradResidualApplies refuses odd output sizes.
func TestWinogradConvResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		for _, s := range []struct{ n, h, w, c, f, pad int }{
			{2, 8, 8, 5, 32, 1}, {1, 6, 10, 3, 16, 1}, {3, 4, 4, 32, 7, 1}, {2, 10, 6, 7, 32, 0},
		} {
			g := ConvGeom{N: s.n, H: s.h, W: s.w, C: s.c, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: s.pad, PadLeft: s.pad,
				OH: s.h + 2*s.pad - 2, OW: s.w + 2*s.pad - 2}
			x, w, bias := normals(rng, g.N*g.H*g.W*g.C), normals(rng, 9*g.C*s.f), normals(rng, s.f)
			u := make([]float32, WinogradKernelLen(g.C, s.f))
			WinogradKernel(w, g.C, s.f, false, u)
			n := g.N * g.OH * g.OW * s.f
			res := normals(rng, n)
			res[1] = float32(math.NaN())
			res[n-1] = float32(math.Inf(-1))
			for _, chunk := range []int{1, 3, 5, 1 << 20} {
				chunk = min(chunk, WinogradTiles(g))
				for _, first := range []bool{false, true} {
					name := fmt.Sprintf("%d threads/%+v/f%d/chunk%d/first %v", procs, g, s.f, chunk, first)
					want := make([]float32, n)
					WinogradConv(g, s.f, x, u, bias, want, false, chunk)
					if first {
						Add2Relu(want, res, want)
					} else {
						Add2Relu(want, want, res)
					}
					got := normals(rng, n) // overwritten
					WinogradConvResidual(g, s.f, x, u, bias, got, res, first, chunk)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s: y[%d] = %v, want %v", name, i, got[i], want[i])
						}
					}
				}
			}
		}
		runtime.GOMAXPROCS(prev)
	}
	odd := ConvGeom{N: 1, H: 5, W: 5, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 5, OW: 5}
	if WinogradResidualApplies(odd) {
		t.Error("WinogradResidualApplies accepts an odd output size")
	}
}
