package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkGraphHubs interleaves training steps (Gradients, batch 32) of
// two copies of mobilenet-v2-small (96×96×3): A without the
// BatchNormalizations' passes in the depthwise convolutions (hubsOff), B
// with them (graph_hub.go). It reports the medians over its rounds of
// the process's CPU time and of the wall time per step: an A/B within
// one run, which other load on a shared machine disturbs alike. The two
// copies' losses must be the same bits. The Go benchmark loop runs once.
//
//	go test ./nn -run '^$' -bench GraphHubs -benchtime 1x -cpu 1,2
func BenchmarkGraphHubs(b *testing.B) {
	in := tensor.Shape{96, 96, 3}
	var ms [2]*Graph
	for i := range ms {
		m, err := NewPreset("mobilenet-v2-small", in, 10)
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = m.(*Graph)
		ms[i].hubsOff = i == 0
		if err := ms[i].Build(1); err != nil {
			b.Fatal(err)
		}
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	var cpu, wall [2][]float64
	for b.Loop() {
		for round := 0; round <= 30; round++ { // round 0 warms up
			var loss [2]float64
			for i, m := range ms {
				c0, w0 := cpuTime(), time.Now()
				loss[i], _ = m.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
				if round > 0 {
					cpu[i] = append(cpu[i], (cpuTime()-c0)*1e3)
					wall[i] = append(wall[i], float64(time.Since(w0).Microseconds())/1e3)
				}
			}
			if loss[0] != loss[1] {
				b.Fatalf("round %d: loss %v without the passes in the convolutions, %v with", round, loss[0], loss[1])
			}
		}
	}
	diff := make([]float64, len(cpu[0]))
	for r := range diff {
		diff[r] = cpu[1][r] - cpu[0][r]
	}
	median := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	b.ReportMetric(median(diff), "B-A-cpu-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(median(cpu[i]), ab+"train-cpu-ms")
		b.ReportMetric(slices.Min(cpu[i]), ab+"min-cpu-ms")
		b.ReportMetric(median(wall[i]), ab+"train-wall-ms")
	}
}
