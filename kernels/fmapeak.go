package kernels

import (
	"sync"
	"time"
)

// FMAPeak measures this CPU's fp32 FMA peak on threads goroutines for
// about d: each runs independent chains of full-width vector FMAs (the
// loops of BenchmarkFMAPeak) until d has passed, and the result is their
// multiply-adds ×2 over the wall time until the last one ends, in GFLOP/s,
// with the instruction set it used ("AVX-512", "AVX2"). A build without
// assembly (purego, or a CPU without AVX2+FMA) measures nothing: 0, "".
// It is what cnnscope bench compares per-layer rates with, measured in the
// same process as the layers, so that both see the same load.
func FMAPeak(threads int, d time.Duration) (gflops float64, isa string) {
	fn, flopsPerIter, isa := fmaPeakLoop()
	if fn == nil || threads < 1 {
		return 0, ""
	}
	const iters = 1 << 16
	var wg sync.WaitGroup
	calls := make([]int, threads)
	start := time.Now()
	for t := range threads {
		wg.Go(func() {
			for time.Since(start) < d || calls[t] == 0 {
				fn(iters)
				calls[t]++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	total := 0
	for _, c := range calls {
		total += c
	}
	return float64(total) * iters * flopsPerIter / elapsed / 1e9, isa
}
