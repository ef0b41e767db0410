package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkShardSerialBackward interleaves resnet-20 training steps
// (32×32×3, batch 32) of two copies: A with every convolution's Backward
// run serially inside the shards (shardSerial, the default), B with the
// 16-channel Winograd ones only (slotsBut16: the stride-2 and 1×1
// shortcut convolutions as parallel tiles with a slot per kernel-gradient
// block); it reports each copy's median process CPU and wall ms per step
// and the median of B's less A's in the same round (run it with -cpu 2:
// at one thread both copies run backwardSerial).
//
//	go test ./nn -run '^$' -bench ShardSerialBackward -benchtime 1x -cpu 2
func BenchmarkShardSerialBackward(b *testing.B) {
	defer func(old slotMode) { shardSlots = old }(shardSlots)
	in := tensor.Shape{32, 32, 3}
	var ms [2]*Graph
	for i := range ms {
		ms[i] = ResNet20(in, 10)
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	var cpu, wall [][]float64
	for b.Loop() {
		cpu, wall = abRounds(40, len(ms), func(i int) {
			shardSlots = [2]slotMode{slotsNone, slotsBut16}[i]
			ms[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		}, nil)
	}
	b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "B-A-cpu-ms")
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
	}
}
