package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinogradKernelGradRowImpls checks that every implementation of the
// kernel gradient's last transform (kernelGradRow) gives the Go twin's
// bits, writes nothing outside the 9 rows of its n pairs, and reads
// nothing past the end of du's last row (the masked AVX-512 tail).
func TestWinogradKernelGradRowImpls(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for _, impl := range supportedWinograd() {
		for _, s := range []struct{ cf, n int }{{1, 1}, {20, 15}, {16, 16}, {40, 17}, {33, 33}, {1024, 1024}, {4096, 320}} {
			du := winoRand(rng, 16*s.cf)
			want := make([]float32, 9*s.cf)
			goWinograd.kernelGradRow(du, s.cf, s.n, want)
			got, check := winoGuarded(t, 9*s.cf)
			impl.kernelGradRow(du, s.cf, s.n, got)
			name := fmt.Sprintf("%s cf %d n %d", impl.name, s.cf, s.n)
			check(name)
			sameBitsOrSentinel(t, name, got, want)
			atEnd := guardedCopy(t, 16*s.cf)
			impl.kernelGradRow(atEnd(du[:15*s.cf+s.n]), s.cf, s.n, got)
			sameBitsOrSentinel(t, name+" (du at a guard page)", got, want)
		}
	}
}

// BenchmarkWinogradKernelGradRow times WinogradKernelGrad's last step
// (dg = Gᵀ dU G of every channel pair, one call) at resnet-20's and
// vgg-small's shapes, each implementation against the naive loop of
// kernelTile's transpose (the Go twin).
//
//	go test ./kernels -run '^$' -bench WinogradKernelGradRow -cpu 1
func BenchmarkWinogradKernelGradRow(b *testing.B) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, s := range []struct{ c, f int }{{32, 32}, {64, 64}} {
		cf := s.c * s.f
		du, dw := winoRand(rng, 16*cf), make([]float32, 9*cf)
		for _, impl := range supportedWinograd() {
			b.Run(fmt.Sprintf("%dx%d/%s", s.c, s.f, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.kernelGradRow(du, cf, cf, dw)
				}
			})
		}
	}
}

// TestWinogradTransposeImpls checks every implementation's transpose
// (WinogradFlipFrom's) against the element loop, bit for bit (NaN
// payloads included), writing nothing outside dst, with src and dst each
// ending at an inaccessible page.
func TestWinogradTransposeImpls(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	for _, impl := range supportedWinograd() {
		for _, s := range []struct{ c, f int }{{16, 16}, {16, 48}, {64, 32}, {32, 64}, {64, 64}, {17, 32}, {32, 5}, {1, 1}} {
			n := s.c * s.f
			src := winoRand(rng, n)
			src[n/2] = math.Float32frombits(0x7fc01234)
			want := make([]float32, n)
			for i := range s.c {
				for j := range s.f {
					want[j*s.c+i] = src[i*s.f+j]
				}
			}
			got, check := winoGuarded(t, n)
			impl.transpose(src, s.c, s.f, got)
			name := fmt.Sprintf("%s transpose %dx%d", impl.name, s.c, s.f)
			check(name)
			sameBitsOrSentinel(t, name, got, want)
			atEnd, dstEnd := guardedCopy(t, n), guardedF32(t, n)
			impl.transpose(atEnd(src), s.c, s.f, dstEnd)
			sameBitsOrSentinel(t, name+" (at guard pages)", dstEnd, want)
		}
	}
}
