package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// bf16BenchShapes are the GEMMs of vgg-small's and resnet-20's
// convolutions on a tile of 512 output positions (forward: 512 × 9·cin ×
// cout; input gradient: dz · Wᵀ; kernel gradient: colsᵀ · dz) and two
// Winograd products (tiles × cin × cout).
var bf16BenchShapes = []benchShape{
	{"fwd/3-32", false, false, 512, 32, 27},
	{"fwd/16-16", false, false, 512, 16, 144},
	{"fwd/32-32", false, false, 512, 32, 288},
	{"fwd/32-64", false, false, 512, 64, 288},
	{"fwd/64-64", false, false, 512, 64, 576},
	{"dx/16-16", false, true, 512, 144, 16},
	{"dx/32-32", false, true, 512, 288, 32},
	{"dx/64-64", false, true, 512, 576, 64},
	{"dw/16-16", true, false, 144, 16, 512},
	{"dw/32-32", true, false, 288, 32, 512},
	{"dw/64-64", true, false, 576, 64, 512},
	{"wino/256x32x32", false, false, 256, 32, 32},
	{"wino/256x64x64", false, false, 256, 64, 64},
	{"square/512", false, false, 512, 512, 512},
}

// BenchmarkSgemmBF16 runs SgemmBF16 and Sgemm alternately on the same
// operands in one process and reports each one's GFLOP/s by process CPU
// time (and wall) and the ratio bf16/fp32 by CPU time. Run it on one
// thread: go test ./kernels -run '^$' -bench SgemmBF16 -cpu 1.
func BenchmarkSgemmBF16(b *testing.B) {
	for _, s := range bf16BenchShapes {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			rng := rand.New(rand.NewPCG(1, 2))
			a, bb := randF32(rng, s.m*s.k), randF32(rng, s.k*s.n)
			c := make([]float32, s.m*s.n)
			var cpu, wall [2]time.Duration
			for b.Loop() {
				for v, f := range []func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int){SgemmBF16, Sgemm} {
					c0, w0 := processCPU(), time.Now()
					for range 20 {
						f(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
					}
					cpu[v] += processCPU() - c0
					wall[v] += time.Since(w0)
				}
			}
			flops := 2 * float64(s.m*s.n*s.k) * 20 * float64(b.N) / 1e9
			b.ReportMetric(flops/cpu[0].Seconds(), "bf16-GFLOP/s")
			b.ReportMetric(flops/cpu[1].Seconds(), "fp32-GFLOP/s")
			b.ReportMetric(flops/wall[0].Seconds(), "bf16-wall-GFLOP/s")
			b.ReportMetric(flops/wall[1].Seconds(), "fp32-wall-GFLOP/s")
			b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "bf16/fp32")
			b.ReportMetric(0, "ns/op")
		})
	}
}
