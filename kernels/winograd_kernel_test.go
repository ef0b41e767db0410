package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winogradKernelRef is WinogradKernel a channel pair at a time (kernelTile
// on each, stored straight into the 16 u[ξ]): the bits WinogradKernel must
// give.
func winogradKernelRef(w []float32, c, f int, flip bool, u []float32) {
	cf := c * f
	var g [9]float32
	var t [16]float32
	for ci := 0; ci < c; ci++ {
		for fi := 0; fi < f; fi++ {
			o := ci*f + fi
			for k := range g {
				if flip {
					g[k] = w[(8-k)*cf+o]
				} else {
					g[k] = w[k*cf+o]
				}
			}
			kernelTile(&g, &t)
			dst := o
			if flip {
				dst = fi*c + ci
			}
			for xi, v := range t {
				u[xi*cf+dst] = v
			}
		}
	}
}

// TestWinogradKernelRows: WinogradKernel (rows of all 16 u[ξ] at once,
// in AVX-512 where it runs, rows over threads) gives the bits of the
// tile-at-a-time reference; with flip, the forward transform's positions
// permuted and channels transposed, bit for bit, and the reference's
// transform of the flipped kernel up to a rounding; at 1 and 2 threads.
func TestWinogradKernelRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	pi := [4]int{3, 1, 2, 0}
	for _, s := range []struct{ c, f int }{{1, 1}, {3, 5}, {32, 32}, {64, 33}, {17, 128}} {
		cf := s.c * s.f
		w := normals(rng, 9*cf)
		want, wantFlip := make([]float32, 16*cf), make([]float32, 16*cf)
		winogradKernelRef(w, s.c, s.f, false, want)
		winogradKernelRef(w, s.c, s.f, true, wantFlip)
		for _, threads := range []int{1, 2} {
			withThreads(threads, func() {
				name := fmt.Sprintf("c%d f%d threads %d", s.c, s.f, threads)
				got := make([]float32, 16*cf)
				WinogradKernel(w, s.c, s.f, false, got)
				sameBits32(t, name, got, want)
				flip := make([]float32, 16*cf)
				WinogradKernel(w, s.c, s.f, true, flip)
				for xi := range 16 {
					src := want[(4*pi[xi/4]+pi[xi%4])*cf:]
					for ci := range s.c {
						for fi := range s.f {
							g, p := flip[xi*cf+fi*s.c+ci], src[ci*s.f+fi]
							if math.Float32bits(g) != math.Float32bits(p) {
								t.Fatalf("%s flip: u[%d][%d][%d] = %v, want the permuted %v", name, xi, fi, ci, g, p)
							}
							if r := wantFlip[xi*cf+fi*s.c+ci]; math.Abs(float64(g-r)) > 1e-6*(1+math.Abs(float64(r))) {
								t.Fatalf("%s flip: u[%d][%d][%d] = %v, the flipped kernel's transform %v", name, xi, fi, ci, g, r)
							}
						}
					}
				}
			})
		}
	}
}

// BenchmarkWinogradKernel compares WinogradKernel (and, flipped,
// WinogradFlipFrom) with the tile-at-a-time reference on resnet-20's and
// vgg-small's Winograd kernels.
//
//	go test ./kernels -run '^$' -bench WinogradKernel -cpu 1
func BenchmarkWinogradKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, s := range []struct{ c, f int }{{32, 32}, {32, 64}, {64, 64}} {
		w := normals(rng, 9*s.c*s.f)
		u := make([]float32, 16*s.c*s.f)
		for _, flip := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d/flip=%v", s.c, s.f, flip)
			b.Run(name+"/tiles", func(b *testing.B) {
				for b.Loop() {
					winogradKernelRef(w, s.c, s.f, flip, u)
				}
			})
			b.Run(name+"/rows", func(b *testing.B) {
				fwd := make([]float32, len(u))
				WinogradKernel(w, s.c, s.f, false, fwd)
				for b.Loop() {
					if flip { // as nn's Conv2D: from the forward transform
						WinogradFlipFrom(fwd, s.c, s.f, u)
					} else {
						WinogradKernel(w, s.c, s.f, false, u)
					}
				}
			})
		}
	}
}
