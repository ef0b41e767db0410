package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// trainBits builds a model with Dropout and BatchNormalization from seed,
// takes steps Adam steps on a fixed batch and returns the losses and the
// final weights as raw bits.
func trainBits(t *testing.T, seed uint64, steps int) ([]uint64, []uint32) {
	m := nn.NewSequential(tensor.Shape{12, 12, 3},
		&nn.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
		&nn.BatchNormalization{},
		&nn.MaxPooling2D{},
		&nn.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&nn.Flatten{},
		&nn.Dropout{Rate: 0.3},
		&nn.Dense{Units: 5, Activation: "softmax"})
	if err := m.Build(seed); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x := tensor.New(16, 12, 12, 3)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := make([]int32, 16)
	for i := range labels {
		labels[i] = int32(rng.IntN(5))
	}
	opt := NewAdam(Config{})
	var losses []uint64
	for range steps {
		l, _ := m.Gradients(x, nn.Target{Labels: labels}, nil, &nn.SparseCategoricalCrossentropy{}, nil)
		opt.Step(m.Params())
		losses = append(losses, math.Float64bits(l))
	}
	var w []uint32
	for _, p := range m.Params() {
		for _, v := range p.Value.Data {
			w = append(w, math.Float32bits(v))
		}
	}
	return losses, w
}

func TestSameSeedSameBits(t *testing.T) {
	l1, w1 := trainBits(t, 42, 5)
	l2, w2 := trainBits(t, 42, 5)
	for i := range l1 {
		if l1[i] != l2[i] {
			t.Fatalf("step %d: losses differ between identical runs", i)
		}
	}
	for i := range w1 {
		if w1[i] != w2[i] {
			t.Fatalf("weight %d differs between identical runs", i)
		}
	}
	_, w3 := trainBits(t, 43, 1)
	same := 0
	for i := range w1 {
		if w1[i] == w3[i] {
			same++
		}
	}
	if same > len(w1)/2 {
		t.Errorf("seeds 42 and 43 give %d of %d identical weights", same, len(w1))
	}
}
