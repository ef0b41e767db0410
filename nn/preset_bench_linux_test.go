package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkPresetSteps interleaves two copies of resnet-20 (32×32×3), of
// basic-cnn (28×28×1) and of vgg-small (32×32×3), as `cnnscope bench`
// runs them: A with its
// convolutions on the path of before whole tiles per thread and patches
// read in place (Conv2D.legacy), B as they are; a training step
// (Gradients, batch 32) and an inference call (Forward, batch 256) of
// each in turn. It reports the medians over its rounds of the process's
// CPU time and of the wall time per call: an A/B within one run, which
// other load on a shared machine disturbs alike. The Go benchmark loop
// runs once.
//
//	go test ./nn -run '^$' -bench PresetSteps -benchtime 1x -cpu 1,2
func BenchmarkPresetSteps(b *testing.B) {
	for _, c := range []struct {
		name  string
		input tensor.Shape
		build func(legacy bool) (presetModel, error)
	}{
		{"resnet-20", tensor.Shape{32, 32, 3}, func(legacy bool) (presetModel, error) {
			g := ResNet20(tensor.Shape{32, 32, 3}, 10)
			for _, n := range g.nodes {
				setLegacy(n.layer, legacy)
			}
			return g, g.Build(1)
		}},
		{"basic-cnn", tensor.Shape{28, 28, 1}, func(legacy bool) (presetModel, error) {
			s := BasicCNN(tensor.Shape{28, 28, 1}, 10)
			for _, l := range s.Layers {
				setLegacy(l, legacy)
			}
			return s, s.Build(1)
		}},
		{"vgg-small", tensor.Shape{32, 32, 3}, func(legacy bool) (presetModel, error) {
			s := VGGSmall(tensor.Shape{32, 32, 3}, 10)
			for _, l := range s.Layers {
				setLegacy(l, legacy)
			}
			return s, s.Build(1)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ms [2]presetModel
			for i := range ms {
				var err error
				if ms[i], err = c.build(i == 0); err != nil {
					b.Fatal(err)
				}
			}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, c.input...)...)
			xi := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{256}, c.input...)...)
			var cpu, wall [2][2][]float64 // A/B, training/inference
			for b.Loop() {
				for round := 0; round <= 8; round++ { // round 0 warms up
					for i, m := range ms {
						tc, tw, ic, iw := timeSteps(m, x, xi)
						if round > 0 {
							cpu[i][0], wall[i][0] = append(cpu[i][0], tc), append(wall[i][0], tw)
							cpu[i][1], wall[i][1] = append(cpu[i][1], ic), append(wall[i][1], iw)
						}
					}
				}
			}
			median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
			for i, ab := range []string{"A-", "B-"} {
				b.ReportMetric(median(cpu[i][0]), ab+"train-cpu-ms")
				b.ReportMetric(median(wall[i][0]), ab+"train-wall-ms")
				b.ReportMetric(median(cpu[i][1]), ab+"infer256-cpu-ms")
				b.ReportMetric(median(wall[i][1]), ab+"infer256-wall-ms")
			}
		})
	}
}

// presetModel is a Graph or a Sequential.
type presetModel interface {
	Gradients(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32) (float64, *tensor.Tensor)
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
}

// timeSteps runs a training step on x and an inference call on xi and
// returns their CPU and wall milliseconds.
func timeSteps(m presetModel, x, xi *tensor.Tensor) (trainCPU, trainWall, inferCPU, inferWall float64) {
	labels := make([]int32, x.Shape[0])
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	c0, w0 := cpuTime(), time.Now()
	m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
	c1, w1 := cpuTime(), time.Now()
	m.Forward(xi, false)
	c2, w2 := cpuTime(), time.Now()
	return (c1 - c0) * 1e3, w1.Sub(w0).Seconds() * 1e3, (c2 - c1) * 1e3, w2.Sub(w1).Seconds() * 1e3
}
