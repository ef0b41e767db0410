package kernels

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunShardsBarrier: n shards meet at a barrier many times; after
// each meeting every shard sees every other's write of that round, and
// the slots are not written again before all have read them.
func TestRunShardsBarrier(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, n := range []int{1, 2, 3, 5} {
		b := NewBarrier(n)
		slots := make([]int, n)
		var bad atomic.Int32
		RunShards(n, func(i int) {
			for round := 1; round <= 100; round++ {
				slots[i] = round
				b.Wait()
				for _, v := range slots {
					if v != round {
						bad.Add(1)
					}
				}
				b.Wait()
			}
		})
		if bad.Load() != 0 {
			t.Errorf("%d shards: %d stale reads after the barrier", n, bad.Load())
		}
	}
}

// TestRunShardsSerialInside: inside a shard, a parallel region's tasks
// run one after another on the shard's goroutine (never two of one
// region at once), in order, and all of them; outside, serialDepth is zero again.
func TestRunShardsSerialInside(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var overlap, order atomic.Int32
	done := make([]int, 2)
	RunShards(2, func(i int) {
		if !(serialDepth.Load() > 0) {
			overlap.Add(100)
		}
		var active atomic.Int32
		next := 0
		ForEachTask(64, func(t int, _ *TaskScratch) {
			if active.Add(1) != 1 {
				overlap.Add(1)
			}
			if t != next {
				order.Add(1)
			}
			next = t + 1
			for t0 := time.Now(); time.Since(t0) < 50*time.Microsecond; { // long enough for a helper to claim a task, were there one
			}
			active.Add(-1)
			done[i]++
		})
	})
	if overlap.Load() != 0 || order.Load() != 0 || done[0] != 64 || done[1] != 64 || (serialDepth.Load() > 0) {
		t.Errorf("overlaps %d, out of order %d, tasks run %v, in shards after %v", overlap.Load(), order.Load(), done, (serialDepth.Load() > 0))
	}
}
