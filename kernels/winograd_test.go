package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// directConv64 is the 3×3 convolution of x by the HWIO kernel w (plus
// bias) summed in float64: the reference for WinogradConv.
func directConv64(g ConvGeom, f int, x, w, bias []float32) []float64 {
	y := make([]float64, g.N*g.OH*g.OW*f)
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				o := ((n*g.OH+oh)*g.OW + ow) * f
				for k := 0; k < 9; k++ {
					ih, iw := oh-g.PadTop+k/3, ow-g.PadLeft+k%3
					if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
						continue
					}
					for c := 0; c < g.C; c++ {
						xv := float64(x[((n*g.H+ih)*g.W+iw)*g.C+c])
						for fi := 0; fi < f; fi++ {
							y[o+fi] += xv * float64(w[(k*g.C+c)*f+fi])
						}
					}
				}
				for fi := 0; fi < f && bias != nil; fi++ {
					y[o+fi] += float64(bias[fi])
				}
			}
		}
	}
	return y
}

// relErr is max |got - want| over max |want|.
func relErr(got []float32, want []float64) float64 {
	var d, scale float64
	for i, w := range want {
		d = math.Max(d, math.Abs(float64(got[i])-w))
		scale = math.Max(scale, math.Abs(w))
	}
	return d / math.Max(scale, 1e-30)
}

// winogradTol bounds WinogradConv's error relative to the largest output:
// the transforms add up to 9 rounded terms per value and the products sum
// 16·C of them, so the error stays within a few float32 ulps of the
// largest terms. Measured on these tests: at most 1.6e-6 (TestWinograd
// logs it; 4.0e-6 with uniform instead of normal values).
const winogradTol = 2e-5

func winogradGeoms() []ConvGeom {
	var gs []ConvGeom
	for _, s := range []struct{ n, h, w, c int }{
		{1, 1, 1, 1}, {1, 2, 3, 1}, {2, 5, 7, 3}, {3, 8, 8, 4}, {1, 9, 6, 17}, {2, 16, 15, 32}, {1, 3, 3, 70},
	} {
		for _, pad := range []int{0, 1} { // valid, same
			oh, ow := s.h+2*pad-2, s.w+2*pad-2
			if oh <= 0 || ow <= 0 {
				continue
			}
			gs = append(gs, ConvGeom{N: s.n, H: s.h, W: s.w, C: s.c, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: pad, PadLeft: pad, OH: oh, OW: ow})
		}
	}
	return gs
}

// TestWinograd compares WinogradConv with the direct sum in float64 on
// odd and even sizes, borders, 1 to 70 channels and small chunks (a chunk
// boundary inside an image), for the forward convolution and for the
// input gradient through the flipped kernel.
func TestWinograd(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var worst float64
	for _, g := range winogradGeoms() {
		for _, f := range []int{1, 3, 8, 65} {
			for _, chunk := range []int{1, 3, 1 << 20} {
				w := normals(rng, 9*g.C*f)
				x := normals(rng, g.N*g.H*g.W*g.C)
				bias := normals(rng, f)
				name := fmt.Sprintf("%+v/f%d/chunk%d", g, f, chunk)
				e := checkWinograd(t, name, g, f, x, w, bias, chunk)
				// dx: dy (N, OH, OW, f) through the flipped kernel is the
				// direct convolution of the flipped kernel over the full padding.
				dg := WinogradDxGeom(g, f)
				dy := normals(rng, g.N*g.OH*g.OW*f)
				wf := flipKernel(w, g.C, f)
				e = max(e, checkWinogradFlip(t, name+"/dx", dg, g.C, dy, w, wf, chunk))
				worst = max(worst, e)
			}
		}
	}
	t.Logf("max error relative to the largest output: %.3g", worst)
}

func checkWinograd(t *testing.T, name string, g ConvGeom, f int, x, w, bias []float32, chunk int) float64 {
	t.Helper()
	u := make([]float32, WinogradKernelLen(g.C, f))
	WinogradKernel(w, g.C, f, false, u)
	y := make([]float32, g.N*g.OH*g.OW*f)
	chunk = min(chunk, WinogradTiles(g))
	WinogradConv(g, f, x, u, bias, y, false, chunk)
	e := relErr(y, directConv64(g, f, x, w, bias))
	if e > winogradTol {
		t.Errorf("%s: error %.3g relative to the largest output, want <= %g", name, e, winogradTol)
	}
	// With relu: Relu's bits of the same outputs.
	yr := make([]float32, len(y))
	WinogradConv(g, f, x, u, bias, yr, true, chunk)
	Relu(y, y)
	for i, v := range yr {
		if math.Float32bits(v) != math.Float32bits(y[i]) {
			t.Fatalf("%s: with relu y[%d] = %v, want %v", name, i, v, y[i])
		}
	}
	return e
}

func checkWinogradFlip(t *testing.T, name string, dg ConvGeom, c int, dy, w, wf []float32, chunk int) float64 {
	t.Helper()
	u := make([]float32, WinogradKernelLen(dg.C, c))
	WinogradKernel(w, c, dg.C, true, u)
	dx := make([]float32, dg.N*dg.OH*dg.OW*c)
	chunk = min(chunk, WinogradTiles(dg))
	WinogradConv(dg, c, dy, u, nil, dx, false, chunk)
	e := relErr(dx, directConv64(dg, c, dy, wf, nil))
	if e > winogradTol {
		t.Errorf("%s: error %.3g relative to the largest dx, want <= %g", name, e, winogradTol)
	}
	return e
}

// flipKernel returns w'[kh][kw][f][c] = w[2-kh][2-kw][c][f].
func flipKernel(w []float32, c, f int) []float32 {
	out := make([]float32, len(w))
	for k := 0; k < 9; k++ {
		for ci := 0; ci < c; ci++ {
			for fi := 0; fi < f; fi++ {
				out[(k*f+fi)*c+ci] = w[((8-k)*c+ci)*f+fi]
			}
		}
	}
	return out
}

// TestWinogradThreads: the same bits for one thread and for several.
func TestWinogradThreads(t *testing.T) {
	g := ConvGeom{N: 2, H: 13, W: 11, C: 24, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 13, OW: 11}
	f := 40
	rng := rand.New(rand.NewPCG(5, 6))
	x, w, bias := normals(rng, g.N*g.H*g.W*g.C), normals(rng, 9*g.C*f), normals(rng, f)
	u := make([]float32, WinogradKernelLen(g.C, f))
	WinogradKernel(w, g.C, f, false, u)
	run := func() []float32 {
		y := make([]float32, g.N*g.OH*g.OW*f)
		chunk := 50
		WinogradConv(g, f, x, u, bias, y, false, chunk)
		return y
	}
	var ref []float32
	withThreads(1, func() { ref = run() })
	withThreads(4, func() {
		for i, v := range run() {
			if math.Float32bits(v) != math.Float32bits(ref[i]) {
				t.Fatalf("y[%d] = %v with 4 threads, %v with 1", i, v, ref[i])
			}
		}
	})
}

func withThreads(n int, fn func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	fn()
}
