package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphMicroBatchSameBits runs the graph presets' inference Forward
// on a batch in one pass and in micro-batches of 1 and 3 samples (the
// last one shorter): the outputs must be the same bits, with and without
// BatchNormalization's moving statistics away from their start.
func TestGraphMicroBatchSameBits(t *testing.T) {
	defer func(b int) { microBatchBytes = b }(microBatchBytes)
	for _, c := range []struct {
		name string
		in   tensor.Shape
	}{{"resnet-20", tensor.Shape{8, 8, 3}}, {"mobilenet-v2-small", tensor.Shape{32, 32, 3}}} {
		m, err := NewPreset(c.name, c.in, 5)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
		g := m.(*Graph)
		rng := rand.New(rand.NewPCG(4, 5))
		for _, p := range g.Params() {
			if p.Param.Name == "moving_mean" || p.Param.Name == "moving_variance" {
				for i := range p.Param.Value.Data {
					p.Param.Value.Data[i] = 0.5 + rng.Float32()
				}
			}
		}
		x := tensor.New(append([]int{7}, c.in...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()
		}
		microBatchBytes = 1 << 30
		whole := g.Forward(x, false).Clone()
		for _, per := range []int{1, 3} {
			microBatchBytes = 4 * g.arena.perSample * per
			if microBatch(microBatchBytes, g.arena.perSample) != per {
				t.Fatalf("%s: micro-batch %d, want %d", c.name, microBatch(microBatchBytes, g.arena.perSample), per)
			}
			got := g.Forward(x, false)
			if !got.Shape.Equal(whole.Shape) {
				t.Fatalf("%s: shape %v, want %v", c.name, got.Shape, whole.Shape)
			}
			for i, v := range got.Data {
				if math.Float32bits(v) != math.Float32bits(whole.Data[i]) {
					t.Fatalf("%s, micro-batches of %d: output[%d] = %g, want %g (one pass)", c.name, per, i, v, whole.Data[i])
				}
			}
		}
	}
}

// TestSequentialMicroBatchSameBits: a Sequential's inference Forward in
// micro-batches of 1 and 3 samples gives the bits of one pass (vgg-small
// holds BatchNormalizations written in place over relu Conv2Ds), also
// after the weights change between two Forwards.
func TestSequentialMicroBatchSameBits(t *testing.T) {
	defer func(b int) { seqMicroBatchBytes = b }(seqMicroBatchBytes)
	for _, c := range []struct {
		name string
		in   tensor.Shape
	}{{"basic-cnn", tensor.Shape{28, 28, 1}}, {"vgg-small", tensor.Shape{16, 16, 3}}} {
		m, err := NewPreset(c.name, c.in, 5)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
		s := m.(*Sequential)
		rng := rand.New(rand.NewPCG(4, 6))
		x := tensor.New(append([]int{7}, c.in...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()
		}
		s.Forward(x, true) // moving statistics away from their start
		for round := 0; round < 2; round++ {
			if round == 1 { // new weights: the micro-batches' hint (setSameWeights) must not outlive its Forward
				for _, p := range s.Params() {
					if p.Param.Name == "kernel" {
						for i := range p.Param.Value.Data {
							p.Param.Value.Data[i] *= -0.75
						}
					}
				}
			}
			seqMicroBatchBytes = 1 << 30
			whole := s.Forward(x, false).Clone()
			for _, per := range []int{1, 3} {
				seqMicroBatchBytes = 4 * s.arena.perSample * per / runtime.GOMAXPROCS(0)
				if got := seqMicroBatch(s.arena.perSample); got != per {
					t.Fatalf("%s: micro-batch %d, want %d", c.name, got, per)
				}
				sameMicroBits(t, fmt.Sprintf("%s round %d, micro-batches of %d", c.name, round, per), s.Forward(x, false), whole)
			}
		}
	}
}

func sameMicroBits(t *testing.T, what string, got, whole *tensor.Tensor) {
	t.Helper()
	if !got.Shape.Equal(whole.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, whole.Shape)
	}
	for i, v := range got.Data {
		if math.Float32bits(v) != math.Float32bits(whole.Data[i]) {
			t.Fatalf("%s: output[%d] = %g, want %g (one pass)", what, i, v, whole.Data[i])
		}
	}
}
