package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkInferShards interleaves inference calls (Forward, batch 256)
// of each preset model run as today's micro-batches with every layer's
// parallel regions (A: noInferShards) and as data parallelism, one
// thread a micro-batch (graph_micro_shards.go): B with micro-batches of
// shardMicroBatchBytes (1 MiB; a Graph's twice that, graphShardBytes)
// all of one size (noTailCuts), C the same with the smaller last ones
// (tailCuts, as they run), D and E as C with shardMicroBatchBytes at
// 512 KiB and 2 MiB. It reports the medians of the process's CPU time
// and of the wall time per call; the outputs must be the same bits. The
// Go benchmark loop runs once.
func BenchmarkInferShards(b *testing.B) {
	for _, c := range []struct {
		name   string
		in     tensor.Shape
		rounds int
	}{
		{"basic-cnn", tensor.Shape{28, 28, 1}, 40},
		{"vgg-small", tensor.Shape{32, 32, 3}, 15},
		{"resnet-20", tensor.Shape{32, 32, 3}, 15},
		{"mobilenet-v2-small", tensor.Shape{96, 96, 3}, 15},
	} {
		b.Run(c.name, func(b *testing.B) { benchInferShards(b, c.name, c.in, c.rounds) })
	}
}

func benchInferShards(b *testing.B, name string, in tensor.Shape, rounds int) {
	defer func(s int) { shardMicroBatchBytes, noInferShards, noTailCuts = s, false, false }(shardMicroBatchBytes)
	m, err := NewPreset(name, in, 10)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Build(1); err != nil {
		b.Fatal(err)
	}
	sizes := []int{0, 1 << 20, 1 << 20, 512 << 10, 2 << 20}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{256}, in...)...)
	out := make([][]float32, len(sizes))
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(rounds, len(sizes), func(i int) {
			noInferShards, noTailCuts, shardMicroBatchBytes = i == 0, i == 1, max(sizes[i], 1)
			out[i] = append(out[i][:0], m.Forward(x, false).Data...)
		}, func(int) {
			for i := 1; i < len(out); i++ {
				if !slices.Equal(out[0], out[i]) {
					b.Fatalf("A and %c differ", 'A'+i)
				}
			}
		})
	}
	for i := range sizes {
		ab := fmt.Sprintf("%c-", 'A'+i)
		b.ReportMetric(medianMs(cpu[i]), ab+"cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"wall-ms")
	}
}
