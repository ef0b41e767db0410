package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkStatsStep times resnet-20's training step (batch 32, 32x32x3,
// GOMAXPROCS threads) in one process, alternated (abTrainSteps): A a
// plain step, B one that collects activation statistics (in shards,
// unfused: stats.go), C one that collects them on the whole batch (the
// model not sharded, as every statistics step ran before).
func BenchmarkStatsStep(b *testing.B) {
	in := tensor.Shape{32, 32, 3}
	var ms []Model
	for i := range 3 {
		g := ResNet20(in, 10)
		if err := g.Build(1); err != nil {
			b.Fatal(err)
		}
		g.CollectStats(i > 0)
		g.noShard = i == 2
		ms = append(ms, g)
	}
	cpu, wall := abTrainSteps(b, ms, in, false)
	for i, ab := range []string{"A-plain-", "B-stats-", "C-stats-whole-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"wall-ms")
	}
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	b.ReportMetric(medianMs(roundDiffs(wall[2], wall[0])), "C-A-wall-ms")
}

// BenchmarkMeasureAB times measure (A: the fast path) and measureRef (B:
// the loop it replaced) on a relu output of resnet-20's first stage for a
// shard of 16 samples (16x32x32x16, half zeros at random), alternated in
// one process (abRounds, 200 rounds); the sums must be the same bits.
func BenchmarkMeasureAB(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	y := tensor.New(16, 32, 32, 16)
	for i := range y.Data {
		y.Data[i] = max(0, float32(rng.NormFloat64()))
	}
	var u statsSums
	var ref statsSums
	for b.Loop() {
		cpu, _ := abRounds(200, 2, func(i int) {
			if i == 0 {
				u.measure(y, 1, -1)
			} else {
				ref = measureRef(y, 1, -1)
			}
		}, func(int) {
			if u.sum != ref.sum || u.sq != ref.sq || u.zeros != ref.zeros {
				b.Fatal("measure and measureRef differ")
			}
		})
		b.ReportMetric(medianMs(cpu[0]), "A-fast-cpu-ms")
		b.ReportMetric(medianMs(cpu[1]), "B-ref-cpu-ms")
		b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "B-A-cpu-ms")
	}
}
