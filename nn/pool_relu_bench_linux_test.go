package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkReluPool interleaves inference calls (Forward, batch 256) of
// four copies of basic-cnn (28×28×1): A with relu in each Conv2D and the
// MaxPooling2D after it reading relu's output (noFuse), B with relu
// applied by the pools (pool_relu.go) but the convolutions on their own
// (noConv), C with the first pool running the first convolution
// (pool_conv.go) but the second convolution, Winograd, on its own
// (noWino), D as they are (the second pool runs the Winograd convolution
// on the rows and columns it reads). It reports the medians over its
// rounds of the process's CPU time and of the wall time per call, and
// the median of D's CPU time less C's in the same round: an A/B/C/D
// within one run, which other load on a shared machine disturbs alike.
// The copies' outputs must be the same bits. The Go benchmark loop runs
// once.
//
//	go test ./nn -run '^$' -bench ReluPool -benchtime 1x -cpu 1,2
func BenchmarkReluPool(b *testing.B) {
	var ms [4]*Sequential
	for i := range ms {
		ms[i] = BasicCNN(tensor.Shape{28, 28, 1}, 10)
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
		for _, l := range ms[i].Layers {
			if p, ok := l.(*MaxPooling2D); ok {
				p.noFuse, p.noConv, p.noWino = i == 0, i == 1, i == 2
			}
		}
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 256, 28, 28, 1)
	var out [4][]float32
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(40, len(ms), func(i int) { out[i] = ms[i].Forward(x, false).Data }, func(int) {
			for i := 1; i < len(out); i++ {
				if !slices.Equal(out[0], out[i]) {
					b.Fatalf("A and %c differ", 'A'+i)
				}
			}
		})
	}
	b.ReportMetric(medianMs(roundDiffs(cpu[3], cpu[2])), "D-C-cpu-ms")
	for i, ab := range []string{"A-", "B-", "C-", "D-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"infer256-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"infer256-wall-ms")
	}
}
