package diagnose

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// The checks before step 1 see a BatchNormalization network as its first
// training step does: an inference-mode pass through resnet-20's initial
// moving statistics (mean 0, variance 1) normalizes nothing and gives a
// loss far from ln C, which the initial-loss and initialization checks
// used to blame on the weights. The pass must leave the moving statistics
// as they were.
func TestInitialOutputUsesBatchStatistics(t *testing.T) {
	const classes, n = 10, 16
	m := nn.ResNet20(tensor.Shape{16, 16, 3}, classes)
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(n, 16, 16, 3)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	before := make([][]float32, 0)
	for _, p := range bnParams(m) {
		before = append(before, slices.Clone(p.Value.Data))
	}
	if len(before) == 0 {
		t.Fatal("resnet-20 has no moving statistics")
	}
	loss := func(out *tensor.Tensor) float64 {
		return (&nn.SparseCategoricalCrossentropy{}).Compute(out, nn.Target{Labels: labels}, nil, nil, nil)
	}
	first := loss(initialOutput(m, x))
	inference := loss(m.Forward(x, false))
	for i, p := range bnParams(m) {
		if !slices.Equal(p.Value.Data, before[i]) {
			t.Fatalf("moving statistics %d changed by the initial pass", i)
		}
	}
	lnC := math.Log(classes)
	t.Logf("initial loss: batch statistics %.3f, inference mode %.3f, ln C %.3f", first, inference, lnC)
	if first < initLossLow*lnC || first > initLossHigh*lnC {
		t.Errorf("initial loss with batch statistics %.3f, want within [%.1f, %.1f] x ln C", first, initLossLow, initLossHigh)
	}
	if inference <= initLossHigh*lnC {
		t.Errorf("inference-mode loss %.3f is near ln C: the test no longer shows the difference", inference)
	}
}
