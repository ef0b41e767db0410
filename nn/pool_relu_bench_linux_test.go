package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkReluPool interleaves inference calls (Forward, batch 256) of
// three copies of basic-cnn (28×28×1): A with relu in each Conv2D and
// the MaxPooling2D after it reading relu's output (noFuse), B with relu
// applied by the pools (pool_relu.go) but the first convolution on its
// own (noConv), C as they are (the first pool runs the first
// convolution too, pool_conv.go). It reports the medians over its rounds
// of the process's CPU time and of the wall time per call: an A/B/C
// within one run, which other load on a shared machine disturbs alike.
// The copies' outputs must be the same bits. The Go benchmark loop runs
// once.
//
//	go test ./nn -run '^$' -bench ReluPool -benchtime 1x -cpu 1,2
func BenchmarkReluPool(b *testing.B) {
	var ms [3]*Sequential
	for i := range ms {
		ms[i] = BasicCNN(tensor.Shape{28, 28, 1}, 10)
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
		for _, l := range ms[i].Layers {
			if p, ok := l.(*MaxPooling2D); ok {
				p.noFuse, p.noConv = i == 0, i == 1
			}
		}
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 256, 28, 28, 1)
	var cpu, wall [3][]float64
	for b.Loop() {
		for round := 0; round <= 40; round++ { // round 0 warms up
			var out [3][]float32
			for i, m := range ms {
				c0, w0 := cpuTime(), time.Now()
				out[i] = m.Forward(x, false).Data
				c1, w1 := cpuTime(), time.Now()
				if round > 0 {
					cpu[i], wall[i] = append(cpu[i], (c1-c0)*1e3), append(wall[i], w1.Sub(w0).Seconds()*1e3)
				}
			}
			if !slices.Equal(out[0], out[1]) || !slices.Equal(out[0], out[2]) {
				b.Fatal("A, B and C differ")
			}
		}
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	for i, ab := range []string{"A-", "B-", "C-"} {
		b.ReportMetric(median(cpu[i]), ab+"infer256-cpu-ms")
		b.ReportMetric(median(wall[i]), ab+"infer256-wall-ms")
	}
}
