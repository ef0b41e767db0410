package nn

import (
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkGraphHubs interleaves training steps (Gradients, batch 32) of
// three copies of mobilenet-v2-small (96×96×3): A without the
// BatchNormalizations' passes in the depthwise convolutions (hubsOff), B
// with them but every output written (noVirtual), C as they are
// (graph_hub.go). It reports the medians over its rounds of the
// process's CPU time and of the wall time per step, and the medians of
// C's CPU time less A's and less B's in the same round: an A/B/C within
// one run, which other load on a shared machine disturbs alike. The
// copies' losses must be the same bits. The Go benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench GraphHubs -benchtime 1x -cpu 1,2
func BenchmarkGraphHubs(b *testing.B) {
	in := tensor.Shape{96, 96, 3}
	var ms [3]*Graph
	for i := range ms {
		m, err := NewPreset("mobilenet-v2-small", in, 10)
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = m.(*Graph)
		ms[i].hubsOff = i == 0
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
		for _, n := range ms[i].nodes {
			if l, ok := n.layer.(*BatchNormalization); ok {
				l.hub.noVirtual = i == 1
			}
		}
	}
	cpu, wall := abTrainSteps(b, []Model{ms[0], ms[1], ms[2]}, in, true)
	for i, name := range []string{"C-A-cpu-ms", "C-B-cpu-ms"} {
		b.ReportMetric(medianMs(roundDiffs(cpu[2], cpu[i])), name)
	}
	for i, ab := range []string{"A-", "B-", "C-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"train-cpu-ms")
		b.ReportMetric(slices.Min(cpu[i]), ab+"min-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"train-wall-ms")
	}
}
