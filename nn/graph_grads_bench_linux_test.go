package nn

import (
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkGraphGradSlabs interleaves training steps (batch 32) of copies
// of resnet-20 (32×32×3) whose Backward writes the input gradients into
// buffers of the layers' own (A, C) or into the arena's gradient slabs
// (B, D: graph_grads.go), and reports the medians of each copy's wall and
// process CPU ms per step and of B's wall less A's in the same round.
//
//	go test ./nn -run '^$' -bench GraphGradSlabs -benchtime 1x
func BenchmarkGraphGradSlabs(b *testing.B) {
	in := tensor.Shape{32, 32, 3}
	var ms []Model
	for i := range 4 {
		g := ResNet20(in, 10)
		if err := g.Build(1); err != nil {
			b.Fatal(err)
		}
		g.arena.grads.off = i%2 == 0
		ms = append(ms, g)
	}
	cpu, wall := abTrainSteps(b, ms, in, true)
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	for i, ab := range []string{"A-", "B-", "C-", "D-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
	}
}
