package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkWinogradGemm times one chunk's 16 products at vgg-small's
// shapes (chunk tiles × c channels by c × f), one thread, against the
// SGEMM driver path and the naive loop; cpu-GFLOP/s divides by the
// process's CPU time, steadier than the wall time on a shared machine:
//
//	go test ./kernels -run '^$' -bench WinogradGemm -cpu 1
func BenchmarkWinogradGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []struct{ nt, c, f int }{{256, 32, 32}, {170, 32, 64}, {170, 64, 32}, {128, 64, 64}} {
		v, u := winoRand(rng, 16*sh.nt*sh.c), winoRand(rng, 16*sh.c*sh.f)
		m := make([]float32, 16*sh.nt*sh.f)
		flops := float64(16 * 2 * sh.nt * sh.c * sh.f)
		var s gemmScratch
		impls := []struct {
			name string
			fn   func(a []float32, rows, k int, b []float32, n int, c []float32, s *gemmScratch)
		}{{"driver", winogradGemmGo}, {"wino-" + wino.name, wino.gemm}, {"naive", func(a []float32, rows, k int, b []float32, n int, c []float32, _ *gemmScratch) {
			SgemmNaive(false, false, rows, n, k, 1, a, k, b, n, 0, c, n)
		}}}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", sh.nt, sh.c, sh.f, im.name), func(b *testing.B) {
				c0 := processCPU()
				for b.Loop() {
					for xi := range 16 {
						im.fn(v[xi*sh.nt*sh.c:], sh.nt, sh.c, u[xi*sh.c*sh.f:], sh.f, m[xi*sh.nt*sh.f:], &s)
					}
				}
				cpu := (processCPU() - c0).Seconds()
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops*float64(b.N)/cpu/1e9, "cpu-GFLOP/s")
			})
		}
	}
}

// BenchmarkWinogradGemmT times one kernel-gradient chunk's 16 products
// (du[ξ] (c × f) += v[ξ]ᵀ·m[ξ], chunk tiles as the reduction) at
// resnet-20's and vgg-small's training shapes (512 KiB chunks), one
// thread, against the SGEMM driver path (A packed transposed) and the
// naive loop; cpu-GFLOP/s divides by the process's CPU time:
//
//	go test ./kernels -run '^$' -bench WinogradGemmT -cpu 1
func BenchmarkWinogradGemmT(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []struct{ nt, c, f int }{{128, 32, 32}, {64, 64, 64}, {85, 32, 64}} {
		v, m := winoRand(rng, 16*sh.nt*sh.c), winoRand(rng, 16*sh.nt*sh.f)
		du := make([]float32, 16*sh.c*sh.f)
		flops := float64(16 * 2 * sh.nt * sh.c * sh.f)
		var s gemmScratch
		impls := []struct {
			name string
			fn   func(a []float32, m, k int, b []float32, n int, c []float32, add bool, s *gemmScratch)
		}{{"driver", winogradGemmTGo}, {"wino-" + wino.name, wino.gemmT}, {"naive", func(a []float32, m, k int, b []float32, n int, c []float32, add bool, _ *gemmScratch) {
			SgemmNaive(true, false, m, n, k, 1, a, m, b, n, 1, c, n)
		}}}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", sh.nt, sh.c, sh.f, im.name), func(b *testing.B) {
				c0 := processCPU()
				for b.Loop() {
					for xi := range 16 {
						im.fn(v[xi*sh.nt*sh.c:], sh.c, sh.nt, m[xi*sh.nt*sh.f:], sh.f, du[xi*sh.c*sh.f:], true, &s)
					}
				}
				cpu := (processCPU() - c0).Seconds()
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops*float64(b.N)/cpu/1e9, "cpu-GFLOP/s")
			})
		}
	}
}
