//go:build !purego

package kernels

import (
	"runtime"
	"sync"
	"testing"
)

// BenchmarkFMAPeak measures the fp32 FMA peak of this CPU: 16 (AVX-512)
// or 14 (AVX2: 16 registers) independent chains of full-width VFMADD231PS
// (fmaPeakAVX512 / fmaPeakAVX2, generated like the micro-kernels), on one
// goroutine and on GOMAXPROCS of them.
func BenchmarkFMAPeak(b *testing.B) {
	const iters = 1 << 20
	for _, v := range []struct {
		name   string
		ok     bool
		lanes  int
		fn     func(int)
		chains int
	}{
		{"AVX512", hasAVX512, 16, fmaPeakAVX512, 16},
		{"AVX2", hasAVX2FMA, 8, fmaPeakAVX2, 14},
	} {
		if !v.ok {
			continue
		}
		for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(v.name+"/threads="+itoa(threads), func(b *testing.B) {
				for b.Loop() {
					var wg sync.WaitGroup
					for range threads {
						wg.Go(func() { v.fn(iters) })
					}
					wg.Wait()
				}
				flops := float64(threads) * iters * float64(v.chains*v.lanes) * 2
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}
