package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// gemmTasker is a set of independent tasks 0..n-1. Each task writes its
// own part of the output, so the result does not depend on which
// goroutine runs which task, nor in what order.
type gemmTasker interface {
	runTask(t int, s *gemmScratch)
}

// gemmScratch is one goroutine's working memory: packed A, an edge tile
// of C, packed B when the goroutine runs a problem alone, and a chunk of
// Winograd tiles. Scratches
// are recycled through scratchPool, so steady-state calls do not allocate.
type gemmScratch struct {
	a     []float32
	b     []float32
	tile  []float32
	wino  []float32   // a chunk of WinogradConv's tiles
	rows4 winoRows4   // F(4×4)'s transforms' rows (winograd4_transform.go)
	task  TaskScratch // ForEachTask's buffers
}

// winoRows4 is the slices of a run of tiles' rows the F(4×4, 3×3)
// transforms hand to their kernels.
type winoRows4 struct {
	in  [36][]float32
	out [16][]float32
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
// goroutine claim tasks from next until none are left. The job goes back
// to jobPool when its last holder lets go, so the caller never waits for
// a helper that comes too late to claim a task.
type gemmJob struct {
	tasker gemmTasker
	n      int64
	next   atomic.Int64  // next task to claim
	done   atomic.Int64  // tasks finished
	refs   atomic.Int32  // the caller and the helpers it reached
	state  atomic.Int32  // jobPolling, jobParked or jobDone
	fin    chan struct{} // a helper that finishes the last task wakes a parked caller
}

// Job states, for the caller waiting on a helper's last task.
const (
	jobPolling int32 = iota // the caller polls done
	jobParked               // the caller parks on fin
	jobDone                 // a helper finished the last task
)

var jobPool = sync.Pool{New: func() any { return &gemmJob{fin: make(chan struct{}, 1)} }}

// help runs tasks of j until all are claimed and reports whether it
// finished the last one.
func (j *gemmJob) help() (last bool) {
	var s *gemmScratch
	for {
		t := j.next.Add(1) - 1
		if t >= j.n {
			break
		}
		if s == nil {
			s = scratchPool.Get().(*gemmScratch)
		}
		j.tasker.runTask(int(t), s)
		if j.done.Add(1) == j.n {
			last = true
		}
	}
	if s != nil {
		scratchPool.Put(s)
	}
	return last
}

// release drops one hold on j, recycling it after the last.
func (j *gemmJob) release() {
	if j.refs.Add(-1) == 0 {
		j.tasker = nil
		jobPool.Put(j)
	}
}

// Waiting. Waking a parked thread takes 70-200 µs on the VMs this runs
// on, longer than many whole products, and a goroutine readied through a
// channel is queued on the readier's processor, behind it. So nobody
// parks right away: after each job a helper polls for the next one for
// helperSpin, and a caller polls for a helper's last task for up to
// callerSpin, both yielding the CPU to other threads (sched_yield) and
// the processor to other goroutines (runtime.Gosched) every few
// microseconds; as OpenMP runtimes spin before they sleep. Under foreign
// load the polling costs CPU; it is bounded by these windows. The
// helpers' window is short: idle helpers park within 0.1 ms of their last
// job (BenchmarkIdleHelpers: a 256^3 product followed by 3 ms of sleep
// cost 1.8 CPU-ms with a 2 ms window, 0.5 with this one); the caller's
// is longer, as it waits for work in progress.
const (
	helperSpin = 100 * time.Microsecond
	callerSpin = 2 * time.Millisecond
)

// pollYield is called every 64th poll i: every 256th it lets another
// thread have this CPU (the kernel may wake a helper on the caller's CPU),
// every 1024th another goroutine this processor.
func pollYield(i int) {
	if i%256 == 0 {
		osYield()
	}
	if i%1024 == 0 {
		runtime.Gosched()
	}
}

// workers is the persistent pool of helper goroutines. They live for the
// life of the process, parked on jobs when idle; there is one per extra
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
		go helperLoop()
	}
}

func helperLoop() {
	for {
		j := nextJob()
		if j.help() && j.state.Swap(jobDone) == jobParked {
			j.fin <- struct{}{}
		}
		j.release()
	}
}

// nextJob polls for a job for helperSpin, then parks until one comes.
func nextJob() *gemmJob {
	deadline := time.Now().Add(helperSpin)
	for i := 1; ; i++ {
		select {
		case j := <-workers.jobs:
			return j
		default:
		}
		if i%64 == 0 {
			if time.Now().After(deadline) {
				return <-workers.jobs
			}
			pollYield(i)
		}
	}
}

// parallelRun runs the n tasks of tk on up to threads goroutines, the
// caller included, and returns when all are done. Tasks are claimed
// dynamically: a helper that starts late does less (or nothing), and
// when the pool's queue is full the caller does the work. Inside a
// ForEachShard task it runs serially (shards.go).
func parallelRun(tk gemmTasker, n, threads int) {
	threads = min(threads, n)
	if threads <= 1 || serialDepth.Load() > 0 {
		s := scratchPool.Get().(*gemmScratch)
		for t := 0; t < n; t++ {
			tk.runTask(t, s)
		}
		scratchPool.Put(s)
		return
	}
	ensureWorkers(threads - 1)
	j := jobPool.Get().(*gemmJob)
	j.tasker, j.n = tk, int64(n)
	j.next.Store(0)
	j.done.Store(0)
	j.state.Store(jobPolling)
	j.refs.Store(int32(threads))
	for h := 1; h < threads; h++ {
		select {
		case workers.jobs <- j:
		default:
			j.refs.Add(-1)
		}
	}
	if !j.help() {
		// A helper runs the last task: poll, then park, until it is done.
		deadline := time.Now().Add(callerSpin)
		for i := 1; j.done.Load() < j.n; i++ {
			if i%64 == 0 {
				if time.Now().After(deadline) {
					if j.state.CompareAndSwap(jobPolling, jobParked) {
						<-j.fin
					}
					break
				}
				pollYield(i)
			}
		}
	}
	j.release()
}
