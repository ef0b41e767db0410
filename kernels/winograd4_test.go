package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winograd4Tol bounds Winograd4Conv's error relative to the largest
// output. The transforms' coefficients (up to 8 in Aᵀ, 5 in Bᵀ, ⅙ and 1⁄24
// in G) grow the rounding errors of F(2×2, 3×3) by about an order of
// magnitude; measured on these tests: see TestWinograd4's log.
const winograd4Tol = 5e-5

func winograd4Geoms() []ConvGeom {
	var gs []ConvGeom
	for _, s := range []struct{ n, h, w, c, pad int }{
		{1, 4, 4, 1, 1}, {2, 8, 8, 3, 1}, {1, 10, 6, 17, 0}, {2, 16, 16, 32, 1}, {1, 6, 6, 70, 0}, {1, 12, 8, 5, 1}, {1, 6, 14, 2, 0},
	} {
		oh, ow := s.h+2*s.pad-2, s.w+2*s.pad-2
		gs = append(gs, ConvGeom{N: s.n, H: s.h, W: s.w, C: s.c, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: s.pad, PadLeft: s.pad, OH: oh, OW: ow})
	}
	return gs
}

// TestWinograd4 compares Winograd4Conv with the direct sum in float64
// (forward, and the input gradient through the flipped kernel), with
// relu's bits against Relu's, at chunks cutting rows of tiles, and logs
// the worst error beside F(2×2, 3×3)'s on the same operands.
func TestWinograd4(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	var worst, worst2 float64
	for _, g := range winograd4Geoms() {
		if !Winograd4Applies(g) {
			t.Fatalf("%+v: Winograd4Applies false", g)
		}
		for _, f := range []int{1, 3, 32, 65} {
			for _, chunk := range []int{1, 3, 1 << 20} {
				w, x, bias := normals(rng, 9*g.C*f), normals(rng, g.N*g.H*g.W*g.C), normals(rng, f)
				name := fmt.Sprintf("%+v/f%d/chunk%d", g, f, chunk)
				want := directConv64(g, f, x, w, bias)
				u := make([]float32, Winograd4KernelLen(g.C, f))
				Winograd4Kernel(w, g.C, f, false, u)
				y := make([]float32, len(want))
				Winograd4Conv(g, f, x, u, bias, y, false, min(chunk, Winograd4Tiles(g)))
				e := relErr(y, want)
				yr := make([]float32, len(y))
				Winograd4Conv(g, f, x, u, bias, yr, true, min(chunk, Winograd4Tiles(g)))
				Relu(y, y)
				sameBits32(t, name+"/relu", yr, y)
				// dx: the flipped kernel over the full padding.
				dg := WinogradDxGeom(g, f)
				if !Winograd4Applies(dg) {
					worst = max(worst, e)
					continue
				}
				dy := normals(rng, g.N*g.OH*g.OW*f)
				uf := make([]float32, Winograd4KernelLen(f, g.C))
				Winograd4Kernel(w, g.C, f, true, uf)
				dx := make([]float32, g.N*g.H*g.W*g.C)
				Winograd4Conv(dg, g.C, dy, uf, nil, dx, false, min(chunk, Winograd4Tiles(dg)))
				e = max(e, relErr(dx, directConv64(dg, g.C, dy, flipKernel(w, g.C, f), nil)))
				if e > winograd4Tol {
					t.Errorf("%s: error %.3g relative to the largest output, want <= %g", name, e, winograd4Tol)
				}
				worst = max(worst, e)
				u2 := make([]float32, WinogradKernelLen(g.C, f))
				WinogradKernel(w, g.C, f, false, u2)
				WinogradConv(g, f, x, u2, bias, y, false, WinogradTiles(g))
				worst2 = max(worst2, relErr(y, want))
			}
		}
	}
	t.Logf("max error relative to the largest output: F(4x4) %.3g, F(2x2) %.3g", worst, worst2)
}

func sameBits32(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i, v := range got {
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v", name, i, v, want[i])
		}
	}
}

// TestWinograd4Fused checks Winograd4ConvMask against Winograd4Conv with
// relu and ReluMask, and Winograd4ConvResidual against Winograd4Conv and
// Add2Relu (both operand orders), at 1 and 2 threads and chunks cutting
// rows: the same bits.
func TestWinograd4Fused(t *testing.T) {
	g := ConvGeom{N: 3, H: 8, W: 16, C: 24, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 8, OW: 16}
	f := 32
	rng := rand.New(rand.NewPCG(33, 34))
	x, w, bias := normals(rng, g.N*g.H*g.W*g.C), normals(rng, 9*g.C*f), normals(rng, f)
	res := normals(rng, g.N*g.OH*g.OW*f)
	res[5], res[77] = float32(math.NaN()), float32(math.Inf(-1))
	u := make([]float32, Winograd4KernelLen(g.C, f))
	Winograd4Kernel(w, g.C, f, false, u)
	ny := g.N * g.OH * g.OW * f
	ref, refRelu := make([]float32, ny), make([]float32, ny)
	Winograd4Conv(g, f, x, u, bias, ref, false, 1<<20)
	Winograd4Conv(g, f, x, u, bias, refRelu, true, 1<<20)
	wantMask := make([]uint64, (ny+63)/64)
	ReluMask(wantMask, refRelu)
	for _, threads := range []int{1, 2} {
		withThreads(threads, func() {
			for _, chunk := range []int{1, 3, 5, 1 << 20} {
				name := fmt.Sprintf("threads%d/chunk%d", threads, chunk)
				y := make([]float32, ny)
				mask := make([]uint64, len(wantMask))
				Winograd4ConvMask(g, f, x, u, bias, y, mask, chunk)
				sameBits32(t, name+"/mask y", y, refRelu)
				for i, m := range mask {
					if m != wantMask[i] {
						t.Fatalf("%s: mask[%d] = %x, want %x", name, i, m, wantMask[i])
					}
				}
				for _, first := range []bool{false, true} {
					want := make([]float32, ny)
					if first {
						Add2Relu(want, res, ref)
					} else {
						Add2Relu(want, ref, res)
					}
					Winograd4ConvResidual(g, f, x, u, bias, y, res, first, chunk)
					sameBits32(t, fmt.Sprintf("%s/residual first=%v", name, first), y, want)
				}
			}
		})
	}
}

// Winograd4Conv allocates no memory per chunk of tiles: its transforms
// hand their rows to the kernels in the scratch's arrays (an array of
// their frames, passed to a function value, was allocated by every
// chunk: 0.4 MB per resnet-20 inference call at batch 256).
func TestWinograd4ConvChunksDoNotAllocate(t *testing.T) {
	g := winograd4Geoms()[3] // 2 samples 16x16x32, 32 tiles
	f := 32
	rng := rand.New(rand.NewPCG(33, 34))
	w, x, bias := normals(rng, 9*g.C*f), normals(rng, g.N*g.H*g.W*g.C), normals(rng, f)
	u := make([]float32, Winograd4KernelLen(g.C, f))
	Winograd4Kernel(w, g.C, f, false, u)
	y := make([]float32, g.N*g.OH*g.OW*f)
	chunks := Winograd4Tiles(g) // a chunk per tile
	allocs := testing.AllocsPerRun(20, func() { Winograd4Conv(g, f, x, u, bias, y, true, 1) })
	if allocs >= float64(chunks)/4 {
		t.Errorf("%.1f allocations per call of %d chunks, want fewer than %d", allocs, chunks, chunks/4)
	}
}
