package kernels

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// BenchmarkRunShardsStart times two-shard RunShards calls as a resnet-20
// training step makes them, each right after a parallel region (the
// step's shared Winograd transforms, then its Forward's shards before
// its Backward's), the shards meeting at 20 barriers 50 µs of work
// apart: A starts shard 1 on a new goroutine only (spawnShards), B
// offers it to the pool's helpers first (shardStart); the two alternate
// call by call, their order swapped every round. It reports, per copy,
// the medians of shard 1's start (from the call) and of the call's wall
// time.
//
//	go test ./kernels -run '^$' -bench RunShardsStart -benchtime 1x -cpu 2
func BenchmarkRunShardsStart(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs 2 threads")
	}
	defer func() { spawnShards = false }()
	buf := make([]float32, 1<<17)
	var start, wall [2][]float64
	call := func(spawn bool) {
		spawnShards = spawn
		ForEachTask(16, func(t int, _ *TaskScratch) {
			for i := range buf[t<<13 : (t+1)<<13] {
				buf[t<<13+i] += 1
			}
		})
		bar := NewBarrier(2)
		t0 := time.Now()
		var s1 time.Duration
		RunShards(2, func(i int) {
			if i == 1 {
				s1 = time.Since(t0)
			}
			for range 20 {
				for t := time.Now(); time.Since(t) < 50*time.Microsecond; {
				}
				bar.Wait()
			}
		})
		k := 1
		if spawn {
			k = 0
		}
		start[k] = append(start[k], s1.Seconds()*1e6)
		wall[k] = append(wall[k], time.Since(t0).Seconds()*1e6)
	}
	for b.Loop() {
		for round := range 400 {
			call(round%2 == 0)
			call(round%2 == 1)
		}
	}
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	for k, ab := range []string{"A-", "B-"} {
		b.ReportMetric(median(start[k]), ab+"start-us")
		b.ReportMetric(median(wall[k]), ab+"wall-us")
	}
}
