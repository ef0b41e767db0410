package optim

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkBasicCNNTrainStep measures one training step (forward,
// backward, Adam update) of the seed's basic CNN on 28x28x1 inputs and
// reports samples/s and GFLOP/s (training counted as 3x the forward FLOPs).
func BenchmarkBasicCNNTrainStep(b *testing.B) {
	for _, batch := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
			step := trainStep(b, m, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N*batch)/s, "samples/s")
			b.ReportMetric(float64(b.N*batch)*3*float64(m.ForwardFLOPs())/s/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGraphTrainStep measures one training step (forward, backward,
// Adam update) of the graph presets at batch 128 and reports samples/s.
func BenchmarkGraphTrainStep(b *testing.B) {
	for _, name := range []string{"resnet-20", "mobilenet-v2-small"} {
		b.Run(name, func(b *testing.B) {
			const batch = 128
			m, err := nn.NewPreset(name, tensor.Shape{32, 32, 1}, 10)
			if err != nil {
				b.Fatal(err)
			}
			step := trainStep(b, m, batch)
			b.ResetTimer()
			cpu0 := processCPU()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "samples/s")
			// CPU time per step is steadier than wall time on a loaded machine
			// (with 1 thread; with more it includes the helpers' polling).
			b.ReportMetric((processCPU()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// trainStep builds m (seed 1) and returns one Adam training step on a
// fixed random batch of 10-class labels, already run once (warm-up).
func trainStep(b *testing.B, m nn.Model, batch int) func() {
	b.Helper()
	if err := m.Build(1); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(append(tensor.Shape{batch}, m.InputShape()...)...)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	opt := NewAdam(Config{})
	params := m.Params()
	loss := &nn.SparseCategoricalCrossentropy{}
	step := func() {
		m.Gradients(x, nn.Target{Labels: labels}, nil, loss, nil)
		opt.Step(params)
	}
	step()
	return step
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
