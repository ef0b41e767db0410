package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkBatchNormKeep interleaves training steps (Gradients, batch 32)
// of two copies of mobilenet-v2-small (96×96×3) and of resnet-20
// (32×32×3): A with every BatchNormalization on the passes before the
// fused activation's gradient was kept as bits (noKeep), B as they are.
// It reports the medians over its rounds of the process's CPU time and
// of the wall time per step: an A/B within one run, which other load on
// a shared machine disturbs alike. The two copies' losses must be the
// same bits. The Go benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench BatchNormKeep -benchtime 1x -cpu 1,2
func BenchmarkBatchNormKeep(b *testing.B) {
	for _, c := range []struct {
		name  string
		input tensor.Shape
	}{{"mobilenet-v2-small", tensor.Shape{96, 96, 3}}, {"resnet-20", tensor.Shape{32, 32, 3}}} {
		b.Run(c.name, func(b *testing.B) {
			var ms [2]Model
			for i := range ms {
				m, err := NewPreset(c.name, c.input, 10)
				if err == nil {
					err = m.Build(1)
				}
				if err != nil {
					b.Fatal(err)
				}
				for _, n := range m.(*Graph).nodes {
					if l, ok := n.layer.(*BatchNormalization); ok {
						l.noKeep = i == 0
					}
				}
				ms[i] = m
			}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, c.input...)...)
			labels := make([]int32, 32)
			for i := range labels {
				labels[i] = int32(i % 10)
			}
			var loss [2]float64
			var cpu, wall [][]float64
			for b.Loop() {
				cpu, wall = abRounds(10, len(ms), func(i int) {
					loss[i], _ = ms[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
				}, func(round int) {
					if loss[0] != loss[1] {
						b.Fatalf("round %d: loss %v without the bits, %v with", round, loss[0], loss[1])
					}
				})
			}
			for i, ab := range []string{"A-", "B-"} {
				b.ReportMetric(medianMs(cpu[i]), ab+"train-cpu-ms")
				b.ReportMetric(medianMs(wall[i]), ab+"train-wall-ms")
			}
		})
	}
}
