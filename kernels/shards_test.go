package kernels

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestForEachShard: every task runs once, a worker slot is held by one
// goroutine at a time, the parallel regions started inside run serially
// (regionThreads is 1 there), and a product inside a task gives the
// bits of the same product outside.
func TestForEachShard(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	const m, n, k = 64, 48, 300
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) - 2.5
	}
	for i := range b {
		b[i] = float32(i%5)*0.25 - 0.5
	}
	runtime.GOMAXPROCS(2)
	want := make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		const tasks = 40
		var ran [tasks]atomic.Int32
		var busy [3]atomic.Int32
		var threads atomic.Int32
		outs := make([][]float32, tasks)
		ForEachShard(3, tasks, func(w, i int) {
			if busy[w].Add(1) != 1 {
				t.Errorf("%d threads: worker %d held twice", procs, w)
			}
			ran[i].Add(1)
			threads.Store(max(threads.Load(), int32(regionThreads())))
			outs[i] = make([]float32, m*n)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, outs[i], n)
			ForEachTask(4, func(int, *TaskScratch) {})
			busy[w].Add(-1)
		})
		if threads.Load() != 1 {
			t.Errorf("%d threads: regions in a task planned for %d threads", procs, threads.Load())
		}
		if got := regionThreads(); got != procs {
			t.Errorf("%d threads: regionThreads %d after ForEachShard", procs, got)
		}
		for i := range ran {
			if ran[i].Load() != 1 {
				t.Fatalf("%d threads: task %d ran %d times", procs, i, ran[i].Load())
			}
			for j, v := range outs[i] {
				if v != want[j] {
					t.Fatalf("%d threads: task %d: C[%d] = %v, want %v", procs, i, j, v, want[j])
				}
			}
		}
	}
	ForEachShard(2, 0, func(int, int) { t.Error("a task of none ran") })
}
