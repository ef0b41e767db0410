//go:build !purego

package kernels

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestBF16DotPeakBytes checks that the bytes spelled out in
// sgemm_bf16_amd64.s are VDPBF16PS: each of iters instructions on the
// first chain adds 1*1 + 1*1 to it.
func TestBF16DotPeakBytes(t *testing.T) {
	if !hasAVX512BF16 {
		t.Skip("CPU without AVX512_BF16")
	}
	for _, iters := range []int{0, 1, 5, 1000} {
		if got, want := bf16DotPeakAVX512(iters), float32(2*iters); got != want {
			t.Fatalf("bf16DotPeakAVX512(%d) = %v, want %v", iters, got, want)
		}
	}
}

// BenchmarkBF16DotPeak compares the bf16 dot-product peak (VDPBF16PS:
// 16 lanes x 2 products x 2 FLOPs per instruction, 16 chains) with the
// fp32 FMA peak (VFMADD231PS: 16 lanes x 2 FLOPs, 16 chains) in one
// process, the two loops alternated, on one goroutine and on GOMAXPROCS
// of them: bf16/fp32 above 1 is what a bf16 GEMM could gain at most.
func BenchmarkBF16DotPeak(b *testing.B) {
	if !hasAVX512BF16 {
		b.Skip("CPU without AVX512_BF16")
	}
	const iters = 1 << 18
	run := func(threads int, fn func(int)) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range threads {
			wg.Go(func() { fn(iters) })
		}
		wg.Wait()
		return time.Since(start)
	}
	bf16 := func(n int) { bf16DotPeakAVX512(n) }
	for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("threads="+itoa(threads), func(b *testing.B) {
			var tb, tf time.Duration
			for b.Loop() {
				tb += run(threads, bf16)
				tf += run(threads, fmaPeakAVX512)
			}
			flops := float64(threads) * iters * 16 * 16 * 2 * float64(b.N)
			gb, gf := 2*flops/tb.Seconds()/1e9, flops/tf.Seconds()/1e9
			b.ReportMetric(gb, "bf16-GFLOP/s")
			b.ReportMetric(gf, "fp32-GFLOP/s")
			b.ReportMetric(gb/gf, "bf16/fp32")
			b.ReportMetric(0, "ns/op")
		})
	}
}
