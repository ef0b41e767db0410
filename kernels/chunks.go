package kernels

import "runtime"

// ForEachChunk splits [0, n) into at most GOMAXPROCS contiguous chunks and
// calls fn(lo, hi) for each, concurrently, returning when all are done.
// minChunk is the smallest chunk worth another core; when n < 2*minChunk
// fn runs once on the calling goroutine. Chunk boundaries depend only on
// n, minChunk and GOMAXPROCS, so results never depend on scheduling.
//
// The chunks run on the same pool of helper goroutines as Sgemm, which
// are usually still polling from the last product: starting a goroutine
// instead would queue it behind them.
func ForEachChunk(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	threads := runtime.GOMAXPROCS(0)
	chunks := min(threads, n/max(minChunk, 1))
	if chunks <= 1 {
		fn(0, n)
		return
	}
	parallelRun(&chunkTasker{n: n, chunks: chunks, fn: fn}, chunks, threads)
}

// chunkTasker runs chunk t of [0, n) as task t.
type chunkTasker struct {
	n, chunks int
	fn        func(lo, hi int)
}

func (c *chunkTasker) runTask(t int, _ *gemmScratch) {
	c.fn(c.n*t/c.chunks, c.n*(t+1)/c.chunks)
}
