package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkGraphShardedStep interleaves training steps (Gradients, batch
// 32) of three copies of resnet-20 (32×32×3): A with the whole batch and
// per-layer parallel regions (noShard), B cut into one shard per thread
// (graph_shard.go), C the whole batch on one thread (GOMAXPROCS 1 for its
// step: the CPU a step needs without parallelism). It reports the medians
// over its rounds of the process's CPU time and of the wall time per
// step, and the median of B's wall time less A's in the same round. The
// Go benchmark loop runs once; -cpu 1 runs all alike.
//
//	go test ./nn -run '^$' -bench GraphShardedStep -benchtime 1x -cpu 2
func BenchmarkGraphShardedStep(b *testing.B) {
	benchGraphShards(b, "resnet-20", tensor.Shape{32, 32, 3}, 60)
}

// BenchmarkGraphShardedMobileNet is BenchmarkGraphShardedStep for
// mobilenet-v2-small on 96×96×3.
func BenchmarkGraphShardedMobileNet(b *testing.B) {
	benchGraphShards(b, "mobilenet-v2-small", tensor.Shape{96, 96, 3}, 30)
}

func benchGraphShards(b *testing.B, name string, in tensor.Shape, rounds int) {
	var gs [3]*Graph
	for i := range gs {
		m, err := NewPreset(name, in, 10)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Build(1); err != nil {
			b.Fatal(err)
		}
		gs[i] = m.(*Graph)
	}
	gs[0].noShard = true
	procs := runtime.GOMAXPROCS(0)
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	var loss [3]float64
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(rounds, len(gs), func(i int) {
			if i == 2 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			}
			loss[i], _ = gs[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		}, func(int) {
			if d := loss[1] - loss[0]; d > 1e-4 || d < -1e-4 || procs > 1 && gs[1].shards.ran != procs {
				b.Fatalf("losses %v and %v", loss[0], loss[1])
			}
		})
	}
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	for i, ab := range []string{"A-", "B-", "C-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
	}
}
