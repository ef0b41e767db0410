package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkDepthwiseConv2D is one MobileNetV2 depthwise step (3x3 on
// 16x16x96, batch 32): forward and backward.
func BenchmarkDepthwiseConv2D(b *testing.B) {
	l := &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same"}
	rng := rand.New(rand.NewPCG(1, 2))
	if _, err := l.Build(tensor.Shape{16, 16, 96}, rng); err != nil {
		b.Fatal(err)
	}
	x := randTensor(rng, 1, 32, 16, 16, 96)
	dy := randTensor(rng, 1, 32, 16, 16, 96)
	b.SetBytes(int64(x.Len() * 4))
	for b.Loop() {
		l.Forward(x, true)
		l.Backward(dy, true)
	}
	b.ReportMetric(float64(3*layerFLOPs(l)*32)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
