package nn

import (
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkBNAdd interleaves training steps (Gradients, batch 32) of three
// copies of resnet-20 (32×32×3): A with every BatchNormalization applied
// apart from the residual Add after it (toAdd off: the passes before
// batchnorm_add.go), B with the Add applying it but writing the masked
// copy of dy for the other operand at once (eagerMask), C as they are.
// It reports the medians over its rounds of the process's CPU time and
// of the wall time per step, and the medians of the per-round
// differences; the copies' losses must be the same bits. The Go
// benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench BNAdd -benchtime 1x -cpu 1,2
func BenchmarkBNAdd(b *testing.B) {
	var ms [3]Model
	for i := range ms {
		m, err := NewPreset("resnet-20", tensor.Shape{32, 32, 3}, 10)
		if err == nil {
			err = m.Build(1)
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range m.(*Graph).nodes {
			if l, ok := n.layer.(*BatchNormalization); ok && i == 0 {
				l.toAdd = false
			}
			if l, ok := n.layer.(*Add); ok && i == 1 {
				l.eagerMask = true
			}
		}
		ms[i] = m
	}
	cpu, wall := abTrainSteps(b, ms[:], tensor.Shape{32, 32, 3}, true)
	for i, ab := range []string{"A-", "B-", "C-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"wall-ms")
	}
	b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "BminusA-cpu-ms")
	b.ReportMetric(medianMs(roundDiffs(cpu[2], cpu[1])), "CminusB-cpu-ms")
	b.ReportMetric(medianMs(roundDiffs(cpu[2], cpu[0])), "CminusA-cpu-ms")
	b.ReportMetric(medianMs(roundDiffs(wall[2], wall[1])), "CminusB-wall-ms")
}
