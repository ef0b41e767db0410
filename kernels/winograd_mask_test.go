package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinogradConvMask checks WinogradConvMask against WinogradConv with
// relu then ReluMask: the same bits of y and the same mask words, with
// chunks that cut rows of tiles and whole batches, valid and same
// padding; and that WinogradFusesMask refuses what it cannot do.
func TestWinogradConvMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range []struct{ n, h, w, c, f, pad int }{
		{2, 8, 8, 5, 32, 1}, {1, 6, 10, 3, 64, 1}, {3, 4, 4, 32, 32, 1}, {2, 10, 6, 7, 32, 0}, {1, 2, 2, 1, 96, 1},
	} {
		g := ConvGeom{N: s.n, H: s.h, W: s.w, C: s.c, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: s.pad, PadLeft: s.pad,
			OH: s.h + 2*s.pad - 2, OW: s.w + 2*s.pad - 2}
		if !WinogradFusesMask(g, s.f) {
			t.Fatalf("%+v f %d: WinogradFusesMask false", g, s.f)
		}
		x, w, bias := normals(rng, g.N*g.H*g.W*g.C), normals(rng, 9*g.C*s.f), normals(rng, s.f)
		u := make([]float32, WinogradKernelLen(g.C, s.f))
		WinogradKernel(w, g.C, s.f, false, u)
		n := g.N * g.OH * g.OW * s.f
		for _, chunk := range []int{1, 3, 5, 1 << 20} {
			chunk = min(chunk, WinogradTiles(g))
			name := fmt.Sprintf("%+v/f%d/chunk%d", g, s.f, chunk)
			want, wantMask := make([]float32, n), make([]uint64, (n+63)/64)
			WinogradConv(g, s.f, x, u, bias, want, true, chunk)
			ReluMask(wantMask, want)
			got, mask := make([]float32, n), make([]uint64, len(wantMask))
			for i := range mask {
				mask[i] = rng.Uint64() // overwritten
			}
			WinogradConvMask(g, s.f, x, u, bias, got, mask, chunk)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: y[%d] = %v, want %v", name, i, got[i], want[i])
				}
			}
			for i := range mask {
				if mask[i] != wantMask[i] {
					t.Fatalf("%s: mask[%d] = %#x, want %#x", name, i, mask[i], wantMask[i])
				}
			}
		}
	}
	odd := ConvGeom{N: 1, H: 5, W: 5, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 5, OW: 5}
	even := odd
	even.H, even.W, even.OH, even.OW = 4, 4, 4, 4
	if WinogradFusesMask(odd, 32) || WinogradFusesMask(even, 16) || WinogradFusesMask(even, 48) {
		t.Error("WinogradFusesMask accepts an odd output size or channels not a multiple of 32")
	}
}
