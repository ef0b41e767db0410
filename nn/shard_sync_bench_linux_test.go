package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkShardStepAB interleaves sharded training steps of two copies
// of resnet-20 (32×32×3, batch 32, as many shards as threads), each step
// followed by a small SGD update of the weights as training's optimizer
// makes (so the shared Winograd transforms are redone every step): A
// with the model's Winograd layers checking their kernel's bits in the
// step (shardSet.recheck), B as training runs. Every round the two
// losses must be the same bits. It reports the medians of each copy's
// wall and process CPU ms per step and of B's less A's in the same round.
//
//	go test ./nn -run '^$' -bench ShardStepAB -benchtime 1x -cpu 2
func BenchmarkShardStepAB(b *testing.B) {
	benchShardAB(b, 200, func(g *Graph) { g.shards.recheck = true }, func(*Graph) {})
}

// BenchmarkShardWinogradAB is BenchmarkShardStepAB with A transforming
// the Winograd kernels before the shards start (shardWino.serial) and B
// sharing the transforms out among the shards (shardSet.shareWinogradIn).
//
//	go test ./nn -run '^$' -bench ShardWinogradAB -benchtime 1x -cpu 2
func BenchmarkShardWinogradAB(b *testing.B) {
	benchShardAB(b, 200, func(g *Graph) { g.shards.wino.serial = true }, func(*Graph) {})
}

// sgdStep is a small SGD update of g's weights, in a parallel region as
// the optimizers' (the pool's helpers are polling when the next step
// starts, as in training).
func sgdStep(g *Graph) {
	ps := g.Params()
	kernels.ForEachTask(len(ps), func(t int, _ *kernels.TaskScratch) {
		if p := ps[t]; p.Trainable && p.Grad != nil {
			for j, d := range p.Grad.Data {
				p.Value.Data[j] -= 1e-3 * d
			}
		}
	})
}

// benchShardAB runs abRounds(rounds, ...) over training steps and SGD
// updates of two resnet-20 copies, set up by a and b.
func benchShardAB(b *testing.B, rounds int, a, bb func(g *Graph)) {
	in := tensor.Shape{32, 32, 3}
	var gs [2]*Graph
	for i, set := range []func(*Graph){a, bb} {
		gs[i] = ResNet20(in, 10)
		if err := gs[i].Build(1); err != nil {
			b.Fatal(err)
		}
		set(gs[i])
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	var loss [2]float64
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(rounds, 2, func(i int) {
			loss[i], _ = gs[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
			sgdStep(gs[i])
		}, func(round int) {
			if loss[0] != loss[1] {
				b.Fatalf("round %d: losses %v and %v", round, loss[0], loss[1])
			}
		})
	}
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	quiet, n := quietDiffs(wall[0], wall[1])
	b.ReportMetric(n, "quiet-rounds")
	if n > 0 {
		b.ReportMetric(medianMs(quiet), "quiet-B-A-wall-ms")
	}
	b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "B-A-cpu-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
		b.ReportMetric(lowMs(wall[i]), ab+"p10-wall-ms")
	}
}

// lowMs is the 10th percentile of v (v is not changed): on a loaded
// host, about what a step takes when nothing else runs.
func lowMs(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/10]
}

// quietDiffs is b[r] - a[r] over the rounds r where both steps took at
// most 1.25 times the fastest step of either (on a loaded host, the
// rounds that ran about undisturbed), and how many there were.
func quietDiffs(a, b []float64) ([]float64, float64) {
	fast := 1.25 * min(slices.Min(a), slices.Min(b))
	var d []float64
	for r := range a {
		if a[r] <= fast && b[r] <= fast {
			d = append(d, b[r]-a[r])
		}
	}
	return d, float64(len(d))
}
