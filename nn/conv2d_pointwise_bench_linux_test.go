package nn

import (
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkPointwiseTiles interleaves training steps (Gradients, batch
// 32) of two copies of mobilenet-v2-small (96×96×3): A with its pointwise
// convolutions on the whole-matrix products (Conv2D.legacy: the
// BatchNormalizations next to them run their own passes), B on tiles
// with those passes in them (conv2d_pointwise.go). It reports the
// medians over its rounds of the process's CPU time per step and of B's
// less A's in the same round: an A/B within one run. The Go benchmark
// loop runs once.
//
//	go test ./nn -run '^$' -bench PointwiseTiles -benchtime 1x -cpu 1,2
func BenchmarkPointwiseTiles(b *testing.B) {
	in := tensor.Shape{96, 96, 3}
	var ms [2]*Graph
	for i := range ms {
		m, err := NewPreset("mobilenet-v2-small", in, 10)
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = m.(*Graph)
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
		for _, n := range ms[i].nodes {
			if c, ok := n.layer.(*Conv2D); ok && c.pointwise() {
				c.legacy = i == 0
			}
		}
	}
	cpu, wall := abTrainSteps(b, []Model{ms[0], ms[1]}, in, false)
	b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "B-A-cpu-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"train-cpu-ms")
		b.ReportMetric(slices.Min(cpu[i]), ab+"min-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"train-wall-ms")
	}
}
