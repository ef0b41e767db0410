package kernels

import (
	"runtime"
	"sync"
)

// ForEachChunk splits [0, n) into at most GOMAXPROCS contiguous chunks and
// calls fn(lo, hi) for each, concurrently, returning when all are done.
// minChunk is the smallest chunk worth a goroutine; when n < 2*minChunk
// fn runs once on the calling goroutine. Chunk boundaries depend only on
// n, minChunk and GOMAXPROCS, so results never depend on scheduling.
func ForEachChunk(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if minChunk < 1 {
		minChunk = 1
	}
	workers = min(workers, n/minChunk)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/workers)
	wg.Wait()
}
