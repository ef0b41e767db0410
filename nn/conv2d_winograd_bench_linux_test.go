package nn

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkConv3x3 compares the direct (tiled im2col + SGEMM) path with
// Winograd F(2x2,3x3) on vgg-small's 3x3 convolutions at 32, 64 and 128
// px, batch 32: inference (Forward) and a training step (Forward and
// Backward with dx). GFLOP/s counts the direct method's 2·9·C·F flops per
// output position for both, so it compares times; cpu-ms/op is the
// process's CPU time per op (getrusage), steadier than the wall time when
// other processes compete for the cores.
//
//	go test ./nn -run '^$' -bench Conv3x3 -benchtime 3x
func BenchmarkConv3x3(b *testing.B) {
	const batch = 32
	for _, px := range []int{32, 64, 128, 0} { // 0: wider layers than vgg-small's
		shapes := []struct{ h, c, f int }{{px, 3, 32}, {px, 32, 32}, {px / 2, 32, 64}, {px / 2, 64, 64}}
		if px == 0 {
			shapes = []struct{ h, c, f int }{{32, 128, 128}, {16, 256, 256}}
		}
		for _, s := range shapes {
			in := tensor.Shape{s.h, s.h, s.c}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, batch, s.h, s.h, s.c)
			dy := randTensor(rand.New(rand.NewPCG(2, 2)), 1, batch, s.h, s.h, s.f)
			flops := 2 * 9 * float64(s.c*s.f) * float64(batch*s.h*s.h)
			for _, mode := range []winogradMode{winogradOff, winogradOn} {
				for _, train := range []bool{false, true} {
					name := fmt.Sprintf("px%d/%dx%dx%d-%d/%s/%s", px, s.h, s.h, s.c, s.f, map[winogradMode]string{winogradOff: "direct", winogradOn: "winograd"}[mode],
						map[bool]string{false: "infer", true: "train"}[train])
					b.Run(name, func(b *testing.B) {
						benchConv(b, in, s.f, mode, train, x, dy, flops)
					})
				}
			}
		}
	}
}

func benchConv(b *testing.B, in tensor.Shape, f int, mode winogradMode, train bool, x, dy *tensor.Tensor, flops float64) {
	l := &Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}
	l.wino.mode = mode
	l.SetName("conv")
	if _, err := l.Build(in, rand.New(rand.NewPCG(1, 2))); err != nil {
		b.Fatal(err)
	}
	d := dy.Clone()
	if train {
		flops *= 3
	}
	cpu0 := cpuTime()
	for b.Loop() {
		l.Forward(x, train)
		if train {
			copy(d.Data, dy.Data)
			l.Backward(d, true)
		}
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric((cpuTime()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkVGGSmallWinograd interleaves training steps (Gradients, batch
// 32) and inference (Forward, batch 256) of two copies of vgg-small, one
// with Winograd off (A) and one in the default mode (B), a step of each
// in turn, and reports each one's process CPU ms per training step and
// per 32 inference samples: an A/B within one run, steadier than two runs
// on a shared machine. The Go benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench VGGSmallWinograd -benchtime 1x -cpu 1,2
func BenchmarkVGGSmallWinograd(b *testing.B) {
	for _, px := range []int{32, 64, 128} {
		b.Run(fmt.Sprintf("px%d", px), func(b *testing.B) {
			var ms [2]*Sequential
			for i, mode := range []winogradMode{winogradOff, winogradAuto} {
				ms[i] = VGGSmall(tensor.Shape{px, px, 3}, 10)
				for _, l := range ms[i].Layers {
					if c, ok := l.(*Conv2D); ok {
						c.wino.mode = mode
					}
				}
				if err := ms[i].Build(1); err != nil {
					b.Fatal(err)
				}
			}
			x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 32, px, px, 3)
			xi := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 256, px, px, 3)
			labels := make([]int32, 32)
			for i := range labels {
				labels[i] = int32(i % 10)
			}
			var train, infer [2]float64
			steps := max(2, 256/px)
			for it := 0; it <= steps; it++ { // the first round warms up
				for i, m := range ms {
					c0 := cpuTime()
					m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
					c1 := cpuTime()
					m.Forward(xi, false)
					if c2 := cpuTime(); it > 0 {
						train[i] += (c1 - c0) * 1e3 / float64(steps)
						infer[i] += (c2 - c1) * 1e3 / float64(steps) / 8
					}
				}
			}
			b.ReportMetric(train[0], "A-direct-train-cpu-ms")
			b.ReportMetric(train[1], "B-default-train-cpu-ms")
			b.ReportMetric(infer[0], "A-direct-infer32-cpu-ms")
			b.ReportMetric(infer[1], "B-default-infer32-cpu-ms")
		})
	}
}
