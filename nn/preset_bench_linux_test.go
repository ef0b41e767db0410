package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkPresetSteps times resnet-20 (32×32×3) and basic-cnn (28×28×1)
// as `cnnscope bench` runs them: a training step (Gradients, batch 32)
// and an inference call (Forward, batch 256), on synthetic data, and
// reports the medians over its rounds of the process's CPU time and of
// the wall time per call: on a shared machine the CPU time of one thread
// (-cpu 1) is the steadier measure, the wall time of two the one users
// see. The Go benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench PresetSteps -benchtime 1x -cpu 1,2
func BenchmarkPresetSteps(b *testing.B) {
	type model interface {
		Gradients(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32) (float64, *tensor.Tensor)
		Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	}
	for _, c := range []struct {
		name  string
		input tensor.Shape
		build func() (model, error)
	}{
		{"resnet-20", tensor.Shape{32, 32, 3}, func() (model, error) { g := ResNet20(tensor.Shape{32, 32, 3}, 10); return g, g.Build(1) }},
		{"basic-cnn", tensor.Shape{28, 28, 1}, func() (model, error) { s := BasicCNN(tensor.Shape{28, 28, 1}, 10); return s, s.Build(1) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := c.build()
			if err != nil {
				b.Fatal(err)
			}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, c.input...)...)
			xi := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{256}, c.input...)...)
			labels := make([]int32, 32)
			for i := range labels {
				labels[i] = int32(i % 10)
			}
			var cpu, wall [2][]float64 // training, inference
			for b.Loop() {
				for round := 0; round <= 8; round++ { // round 0 warms up
					c0, w0 := cpuTime(), time.Now()
					m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
					c1, w1 := cpuTime(), time.Now()
					m.Forward(xi, false)
					c2, w2 := cpuTime(), time.Now()
					if round > 0 {
						cpu[0], wall[0] = append(cpu[0], (c1-c0)*1e3), append(wall[0], w1.Sub(w0).Seconds()*1e3)
						cpu[1], wall[1] = append(cpu[1], (c2-c1)*1e3), append(wall[1], w2.Sub(w1).Seconds()*1e3)
					}
				}
			}
			median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
			b.ReportMetric(median(cpu[0]), "train-cpu-ms")
			b.ReportMetric(median(wall[0]), "train-wall-ms")
			b.ReportMetric(median(cpu[1]), "infer256-cpu-ms")
			b.ReportMetric(median(wall[1]), "infer256-wall-ms")
		})
	}
}
