package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// RunShards calls fn(i) for every i in [0, n) at the same time, each on
// a goroutine of its own (fn(0) on the caller's), and returns when all
// are done. Unlike ForEachShard's workers, which claim tasks when they
// are free (a late one may find none), every shard has its own goroutine
// from the start, so shards may wait for each other (Barrier). As inside
// ForEachShard's tasks, the parallel regions the shards start run
// serially on their goroutine (serialDepth), with the same results.
//
// Shard i > 0 runs on whichever claims it first (shardStart): one of the
// pool's helpers, offered it as a job, or a goroutine started for it. A
// helper is usually still polling from the last parallel region (in
// training, a step's Forward shards follow the optimizer's update of
// the last step, its Backward's follow its Forward's by the loss's few
// microseconds) and starts the shard at once, where a new goroutine
// would be queued on the caller's processor behind the polling helper
// (for up to helperSpin) or wait for a parked thread to wake. The
// goroutine still guarantees the shard a runner of its own when no
// helper is free (another caller's shards hold them), so shards never
// wait for each other's runners.
func RunShards(n int, fn func(i int)) {
	if n <= 1 {
		if n == 1 {
			fn(0)
		}
		return
	}
	serialDepth.Add(1)
	defer serialDepth.Add(-1)
	b := NewBarrier(n)
	helpers := 0
	if !spawnShards {
		helpers = min(n, runtime.GOMAXPROCS(0)) - 1
		ensureWorkers(helpers)
	}
	for i := 1; i < n; i++ {
		s := &shardStart{fn: fn, i: i, b: b}
		if i <= helpers {
			s.offer()
		}
		go s.run()
	}
	fn(0)
	b.Wait() // polls before it parks: the last shard is usually a moment away
}

// spawnShards has RunShards start every shard on a new goroutine only,
// never offering it to the pool's helpers (benchmarks: the A/B of
// shardStart, BenchmarkRunShardsStart).
var spawnShards bool

// shardStart is shard i of a RunShards: it runs once, on the first
// goroutine that claims it.
type shardStart struct {
	fn      func(i int)
	i       int
	b       *Barrier
	claimed atomic.Bool
}

// run runs the shard, then meets the others at the end, unless another
// goroutine claimed it.
func (s *shardStart) run() {
	if s.claimed.CompareAndSwap(false, true) {
		s.fn(s.i)
		s.b.Wait()
	}
}

// runTask is run for the pool's helper that took the job (gemmTasker).
func (s *shardStart) runTask(int, *gemmScratch) { s.run() }

// offer queues s as a job of one task for the pool's helpers, if their
// queue has room. The helper that takes it holds the job alone and
// recycles it after the task (gemmJob.release).
func (s *shardStart) offer() {
	j := jobPool.Get().(*gemmJob)
	j.tasker, j.n = s, 1
	j.next.Store(0)
	j.done.Store(0)
	j.state.Store(jobPolling)
	j.refs.Store(1)
	select {
	case workers.jobs <- j:
	default:
		j.tasker = nil
		jobPool.Put(j)
	}
}

// Barrier lets the n goroutines of a RunShards meet: each Wait returns
// once all n have called it, and the barrier is then ready for the next
// meeting. A waiter polls for barrierSpin (yielding the CPU now and
// then, as the pool's helpers do), then parks: when the host is loaded
// the goroutine it waits for may have lost its core, and a parked waiter
// leaves that core to it.
type Barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32 // meetings completed
	mu    sync.Mutex
	cond  sync.Cond
}

// barrierSpin is how long a waiter polls before it parks: about what
// parking and being woken costs on the VMs this runs on (70-200 µs, see
// gemm_pool.go), so that a wait never costs much more than twice what it
// must.
const barrierSpin = 200 * time.Microsecond

// NewBarrier returns a barrier for n goroutines.
func NewBarrier(n int) *Barrier {
	if n < 1 {
		panic("kernels: barrier for fewer than one goroutine")
	}
	b := &Barrier{n: int32(n)}
	b.cond.L = &b.mu
	return b
}

// Parties is the number of goroutines that meet at b.
func (b *Barrier) Parties() int { return int(b.n) }

// Wait returns once all of b's goroutines have called it for this meeting.
// Everything a goroutine wrote before its Wait is visible to every other
// after theirs.
func (b *Barrier) Wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		b.mu.Unlock()
		b.cond.Broadcast()
		return
	}
	deadline := time.Now().Add(barrierSpin)
	for i := 1; b.gen.Load() == g; i++ {
		if i%64 != 0 {
			continue
		}
		if time.Now().After(deadline) {
			b.mu.Lock()
			for b.gen.Load() == g {
				b.cond.Wait()
			}
			b.mu.Unlock()
			return
		}
		pollYield(i)
	}
}
