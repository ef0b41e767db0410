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

// TestRunShardsOncePerShard: every shard runs exactly once per call,
// whether a pool helper or its own goroutine claims it; with the pool's
// helpers all held by another caller's parallel region for as long as
// the shards run, each shard still has its own goroutine (the shards
// meet at barriers, so none may wait for a runner).
func TestRunShardsOncePerShard(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	check := func(what string, calls int) {
		for range calls {
			var runs [3]atomic.Int32
			b := NewBarrier(3)
			RunShards(3, func(i int) {
				runs[i].Add(1)
				b.Wait()
				b.Wait()
			})
			for i := range runs {
				if n := runs[i].Load(); n != 1 {
					t.Fatalf("%s: shard %d ran %d times", what, i, n)
				}
			}
		}
	}
	check("helpers free", 300)

	release, held := make(chan struct{}), make(chan struct{})
	var holding atomic.Int32
	go func() { // the caller and both helpers each hold a task until released
		defer close(held)
		ForEachTask(3, func(int, *TaskScratch) {
			holding.Add(1)
			<-release
		})
	}()
	for holding.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check("helpers busy", 20)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("RunShards did not return while the pool's helpers were busy")
	}
	close(release)
	<-held
}
