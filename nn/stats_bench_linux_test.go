package nn

import (
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
