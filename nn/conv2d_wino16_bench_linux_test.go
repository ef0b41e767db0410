package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkWino16SerialBackward interleaves resnet-20 training steps
// (32×32×3, batch 32) of two copies: A with the 16-channel convolutions'
// Backward run serially inside the shards (wino16Serial, the default), B
// as parallel tiles with a slot per kernel-gradient block (wino16Slots);
// it reports each copy's median process CPU and wall ms per step and the
// median of B's less A's in the same round (run it with -cpu 2: at one
// thread both copies run backwardSerial).
//
//	go test ./nn -run '^$' -bench Wino16SerialBackward -benchtime 1x -cpu 2
func BenchmarkWino16SerialBackward(b *testing.B) {
	defer func(old bool) { wino16Slots = old }(wino16Slots)
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
			wino16Slots = i == 1
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
