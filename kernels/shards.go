package kernels

import (
	"runtime"
	"sync/atomic"
)

// ForEachShard runs fn(w, t) for every t in [0, n) on up to workers
// goroutines (at most GOMAXPROCS: the caller's and the pool's helpers),
// and returns when all are done. Each goroutine takes a worker slot w in
// [0, workers) that no other goroutine holds during the call, then claims
// tasks one at a time in increasing t until none are left: w names the
// state a worker may keep for its tasks (a model's replica), and a late
// or slowed goroutine leaves its share to the others. While a task runs,
// the parallel regions it starts (Sgemm, ForEachTask, ForEachChunk, the
// Winograd products) run serially on its goroutine: each worker runs
// whole pieces of work, such as a micro-batch through a whole model, with
// its data in its own core's caches and no hand-off to the other threads
// inside. A region's tasks stay those it would run on more threads (only
// who runs them changes), so results do not change; a serial Sgemm is
// the same bits as a parallel one. As with ForEachTask, the tasks must be
// independent (each writes its own part of the output).
func ForEachShard(workers, n int, fn func(w, t int)) {
	if n <= 0 {
		return
	}
	workers = max(1, min(workers, n, runtime.GOMAXPROCS(0)))
	sh := &shardTasker{n: int64(n), fn: fn}
	parallelRun(sh, workers, workers)
}

// serialDepth counts the ForEachShard tasks running: while it is not
// zero, parallelRun runs its tasks on the caller and Sgemm plans for one
// thread (regionThreads). A goroutine outside the shards that starts a
// region meanwhile also runs it serially: slower, the same result.
var serialDepth atomic.Int32

// regionThreads is the number of threads a parallel region may use:
// GOMAXPROCS, or 1 while ForEachShard's tasks run.
func regionThreads() int {
	if serialDepth.Load() > 0 {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// SerialRegions reports whether parallel regions started now run serially
// on their caller (inside ForEachShard's or RunShards' tasks): a layer
// may then take a serial path that gives a parallel one's bits.
func SerialRegions() bool { return serialDepth.Load() > 0 }

// shardTasker is ForEachShard's run: task w of parallelRun is worker w,
// which claims fn's tasks from next.
type shardTasker struct {
	n    int64
	next atomic.Int64
	fn   func(w, t int)
}

func (s *shardTasker) runTask(w int, _ *gemmScratch) {
	serialDepth.Add(1)
	defer serialDepth.Add(-1)
	for {
		t := s.next.Add(1) - 1
		if t >= s.n {
			return
		}
		s.fn(w, int(t))
	}
}
