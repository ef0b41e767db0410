package kernels

import (
	"sync"
	"sync/atomic"
)

// gemmTasker is a set of independent tasks 0..n-1. Each task writes its
// own part of the output, so the result does not depend on which
// goroutine runs which task, nor in what order.
type gemmTasker interface {
	runTask(t int, s *gemmScratch)
}

// gemmScratch is one goroutine's working memory: packed A, an edge tile
// of C, and packed B when the goroutine runs a problem alone. Scratches
// are recycled through scratchPool, so steady-state calls do not allocate.
type gemmScratch struct {
	a    []float32
	b    []float32
	tile []float32
}

var scratchPool = sync.Pool{New: func() any { return new(gemmScratch) }}

// grow returns buf resliced to n elements, reallocating when too small.
// The contents are not kept.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// gemmJob is one parallel run of a gemmTasker: helpers and the calling
// goroutine claim tasks from next until none are left.
type gemmJob struct {
	tasker gemmTasker
	n      int
	next   atomic.Int64
	wg     sync.WaitGroup // helpers still holding the job
}

var jobPool = sync.Pool{New: func() any { return new(gemmJob) }}

// work runs tasks of j until all are claimed.
func (j *gemmJob) work() {
	s := scratchPool.Get().(*gemmScratch)
	for {
		t := int(j.next.Add(1) - 1)
		if t >= j.n {
			break
		}
		j.tasker.runTask(t, s)
	}
	scratchPool.Put(s)
}

// workers is the persistent pool of helper goroutines. They live for the
// life of the process, blocked on jobs when idle; there is one per extra
// thread ever asked for.
var workers struct {
	mu   sync.Mutex
	n    int
	jobs chan *gemmJob
}

func init() { workers.jobs = make(chan *gemmJob, 256) }

// ensureWorkers starts helpers until there are at least n.
func ensureWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	for ; workers.n < n; workers.n++ {
		go func() {
			for j := range workers.jobs {
				j.work()
				j.wg.Done()
			}
		}()
	}
}

// parallelRun runs the n tasks of tk on up to threads goroutines, the
// caller included, and returns when all are done. Tasks are claimed
// dynamically; a helper that arrives after the last task was claimed does
// nothing, and when the pool's queue is full the caller does the work.
func parallelRun(tk gemmTasker, n, threads int) {
	threads = min(threads, n)
	if threads <= 1 {
		s := scratchPool.Get().(*gemmScratch)
		for t := 0; t < n; t++ {
			tk.runTask(t, s)
		}
		scratchPool.Put(s)
		return
	}
	ensureWorkers(threads - 1)
	j := jobPool.Get().(*gemmJob)
	j.tasker, j.n = tk, n
	j.next.Store(0)
	for h := 1; h < threads; h++ {
		j.wg.Add(1)
		select {
		case workers.jobs <- j:
		default:
			j.wg.Done()
		}
	}
	j.work()
	j.wg.Wait()
	j.tasker = nil
	jobPool.Put(j)
}
