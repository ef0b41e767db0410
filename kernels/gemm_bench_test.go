package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// benchShape is one Sgemm benchmark: m×n×k with transposes.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are 512^3 and the CNN's products at batch 32 and 128 (the
// batch scales m, or k for the weight gradients).
func benchShapes() []benchShape {
	s := []benchShape{{name: "512x512x512", m: 512, n: 512, k: 512}}
	for _, batch := range []int{32, 128} {
		for _, c := range convShapes {
			m, k := c.m, c.k
			if c.name == "dense2" || c.name == "dense1" {
				m = m * batch / 32
			} else if c.transA {
				k = k * batch / 32
			} else {
				m = m * batch / 32
			}
			s = append(s, benchShape{fmt.Sprintf("b%d/%s/%dx%dx%d", batch, c.name, m, c.n, k), c.transA, c.transB, m, c.n, k})
		}
	}
	return s
}

// benchGemm runs call b.N times and reports GFLOP/s (2*m*n*k per call).
func benchGemm(b *testing.B, s benchShape, call func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int)) {
	rng := rand.New(rand.NewPCG(1, 1))
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	a := make([]float32, s.m*s.k)
	bb := make([]float32, s.k*s.n)
	c := make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range bb {
		bb[i] = rng.Float32()
	}
	call(s.transA, s.transB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n)
	b.ResetTimer()
	for b.Loop() {
		call(s.transA, s.transB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n)
	}
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
				Sgemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
			})
		})
	}
}

// BenchmarkSgemmSerial is Sgemm on one thread, for comparison with the
// single-core FMA peak.
func BenchmarkSgemmSerial(b *testing.B) {
	for _, s := range benchShapes()[:1] {
		b.Run(s.name, func(b *testing.B) {
			cfg := gemmConfig{kern: bestKernel, threads: 1}
			benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
				sgemm(&cfg, tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
			})
		})
	}
}

// BenchmarkSgemmPack compares the packing modes per shape and kernel.
func BenchmarkSgemmPack(b *testing.B) {
	for _, kern := range supportedKernels() {
		for _, s := range benchShapes()[:11] {
			for _, p := range []packMode{packAuto, packAll} {
				b.Run(fmt.Sprintf("%s/pack%d/%s", kern.name, p, s.name), func(b *testing.B) {
					cfg := gemmConfig{kern: kern, threads: runtime.GOMAXPROCS(0), pack: p}
					benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
						if m*n*k < parallelMinWork {
							cfg.threads = 1
						}
						sgemm(&cfg, tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
					})
				})
			}
		}
	}
}

func BenchmarkSgemmNaive(b *testing.B) {
	s := benchShape{name: "64x64x64", m: 64, n: 64, k: 64}
	b.Run(s.name, func(b *testing.B) {
		benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
			SgemmNaive(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
		})
	})
}

// BenchmarkSgemmCold times calls that each follow 10 ms of idleness, after
// which the helper goroutines have parked: a call then pays for waking
// them (70-200 µs on this VM, while the caller works alone), and the
// core may have slowed down. BenchmarkSgemm, back to back, finds them
// polling. Only the calls are timed (ns/call, GFLOP/s), not the sleeps.
func BenchmarkSgemmCold(b *testing.B) {
	sh := benchShapes()
	for _, s := range []benchShape{sh[0], sh[2], sh[3], sh[8]} {
		b.Run(s.name, func(b *testing.B) {
			var busy time.Duration
			calls := 0
			benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
				time.Sleep(10 * time.Millisecond)
				t0 := time.Now()
				Sgemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
				busy += time.Since(t0)
				calls++
			})
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			b.ReportMetric(float64(busy.Nanoseconds())/float64(calls), "ns/call")
			b.ReportMetric(flops*float64(calls)/busy.Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmGaps times calls separated by 200 µs of single-threaded
// work on the calling goroutine, as between the layers of a training
// step: the helpers are still polling when the next call comes.
func BenchmarkSgemmGaps(b *testing.B) {
	sh := benchShapes()
	work := make([]float32, 1<<16)
	for _, s := range []benchShape{sh[0], sh[2], sh[3], sh[8]} {
		b.Run(s.name, func(b *testing.B) {
			var busy time.Duration
			calls := 0
			benchGemm(b, s, func(tA, tB bool, m, n, k int, a []float32, lda int, bb []float32, ldb int, c []float32, ldc int) {
				for t0 := time.Now(); time.Since(t0) < 200*time.Microsecond; {
					for i := range work {
						work[i] = work[i]*0.5 + 1
					}
				}
				t0 := time.Now()
				Sgemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, ldc)
				busy += time.Since(t0)
				calls++
			})
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			b.ReportMetric(float64(busy.Nanoseconds())/float64(calls), "ns/call")
			b.ReportMetric(flops*float64(calls)/busy.Seconds()/1e9, "GFLOP/s")
		})
	}
}
