package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkShardedStep interleaves training steps (Gradients, batch 32)
// of two copies of basic-cnn (28×28×1): A with the whole batch on every
// thread (noShard), B cut into one shard per thread
// (sequential_shards.go). It reports the medians over its rounds of the
// process's CPU time and of the wall time per step, and the median of
// B's wall time less A's in the same round. The Go benchmark loop runs
// once; -cpu 1 runs both alike.
//
//	go test ./nn -run '^$' -bench ShardedStep -benchtime 1x -cpu 1,2
func BenchmarkShardedStep(b *testing.B) {
	var ms [2]*Sequential
	for i := range ms {
		ms[i] = BasicCNN(tensor.Shape{28, 28, 1}, 10)
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
	}
	ms[0].noShard = true
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, 1, 32, 28, 28, 1)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	var loss [2]float64
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(200, len(ms), func(i int) {
			loss[i], _ = ms[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		}, func(int) {
			if d := loss[1] - loss[0]; d > 1e-5 || d < -1e-5 {
				b.Fatalf("losses %v and %v", loss[0], loss[1])
			}
		})
	}
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
	}
}
