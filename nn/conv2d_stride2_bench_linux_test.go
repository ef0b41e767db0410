package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// stride2Layers are resnet-20's im2col-path convolutions on a 32×32×3
// input: the first block of stages 2 and 3, a 3×3 stride-2 convolution
// and the 1×1 stride-2 projection of its shortcut, and the stem (3×3 on
// 3 channels; its Backward computes no dx in a model).
var stride2Layers = []struct {
	name           string
	px, c, f       int
	kernelSide, st int
}{
	{"3x3s2-32px-16to32", 32, 16, 32, 3, 2},
	{"1x1s2-32px-16to32", 32, 16, 32, 1, 2},
	{"3x3s2-16px-32to64", 16, 32, 64, 3, 2},
	{"1x1s2-16px-32to64", 16, 32, 64, 1, 2},
	{"stem-3x3s1-32px-3to16", 32, 3, 16, 3, 1},
}

// BenchmarkStride2Phases times each phase of stride2Layers on a shard's
// batch (16 samples, run as a training shard
// runs them: inside kernels.ForEachShard, so their regions are serial):
// Forward, Backward's kernel gradient alone (no dx), its input gradient
// alone (kernel frozen) and the whole Backward. It reports each phase's
// median wall ms over its rounds and GFLOP/s (direct multiply-adds ×2).
//
//	go test ./nn -run '^$' -bench Stride2Phases -benchtime 1x -cpu 2
func BenchmarkStride2Phases(b *testing.B) {
	const batch = 16
	for _, s := range stride2Layers {
		b.Run(s.name, func(b *testing.B) {
			in := tensor.Shape{s.px, s.px, s.c}
			l := &Conv2D{Filters: s.f, KernelSize: [2]int{s.kernelSide, s.kernelSide}, Strides: [2]int{s.st, s.st}, Padding: "same"}
			l.SetName("conv")
			if _, err := l.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
				b.Fatal(err)
			}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, batch, s.px, s.px, s.c)
			dy := randTensor(rand.New(rand.NewPCG(2, 2)), 1, batch, s.px/s.st, s.px/s.st, s.f)
			flops := 2 * float64(s.kernelSide*s.kernelSide*s.c*s.f) * float64(batch*s.px*s.px/(s.st*s.st))
			phases := []struct {
				name string
				run  func()
			}{
				{"fwd", func() { l.Forward(x, true) }},
				{"dW", func() { l.Backward(dy, false) }},
				{"dx", func() { l.kernel.Trainable = false; l.Backward(dy, true); l.kernel.Trainable = true }},
				{"bwd", func() { l.Backward(dy, true) }},
			}
			times := make([][]float64, len(phases))
			for b.Loop() {
				for round := 0; round <= 200; round++ {
					for i, p := range phases {
						var d time.Duration
						kernels.ForEachShard(1, 1, func(_, _ int) {
							t0 := time.Now()
							p.run()
							d = time.Since(t0)
						})
						if round > 0 {
							times[i] = append(times[i], d.Seconds()*1e3)
						}
					}
				}
			}
			for i, p := range phases {
				ms := medianMs(times[i])
				f := flops
				if p.name == "bwd" {
					f *= 2
				}
				b.ReportMetric(ms, p.name+"-ms")
				b.ReportMetric(slices.Min(times[i]), p.name+"-min-ms")
				b.ReportMetric(f/ms/1e6, p.name+"-GFLOP/s")
			}
		})
	}
}
