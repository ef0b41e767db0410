package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestTimeLayersCounts checks what TimeLayers counts (not how long
// anything took): samples and direct-method FLOPs per layer, the first
// layer's Backward without an input gradient, inference micro-batches
// summed, and nothing once timing is off.
func TestTimeLayersCounts(t *testing.T) {
	m := VGGSmall(tensor.Shape{8, 8, 3}, 4)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x := randTensor(rng, 1, 5, 8, 8, 3)
	m.TimeLayers(true)
	m.Gradients(x, Target{Labels: []int32{0, 1, 2, 3, 0}}, nil, &SparseCategoricalCrossentropy{}, nil)
	m.Forward(randTensor(rng, 1, 7, 8, 8, 3), false)
	times := m.LayerTimes()
	if len(times) != len(m.Layers) {
		t.Fatalf("%d layer times for %d layers", len(times), len(m.Layers))
	}
	for i, lt := range times {
		l := m.Layers[i]
		f := float64(layerFLOPs(l))
		if lt.Layer != l.Name() || lt.Type != l.Type() || lt.ForwardSamples != 12 || lt.BackwardSamples != 5 {
			t.Errorf("layer %d: %+v, want %s (%s), 12 forward and 5 backward samples", i, lt, l.Name(), l.Type())
		}
		passes := 2.0
		if i == 0 {
			passes = 1 // no input gradient below the first layer
		}
		if lt.ForwardFLOP != 12*f || lt.BackwardFLOP != 5*passes*f || lt.Forward < 0 || lt.Backward < 0 {
			t.Errorf("layer %d (%s): FLOP %v / %v, want %v / %v", i, l.Name(), lt.ForwardFLOP, lt.BackwardFLOP, 12*f, 5*passes*f)
		}
	}
	if c := times[2]; c.Type != "Conv2D" || c.KernelSize != [2]int{3, 3} || c.InChannels != 32 || c.Filters != 32 {
		t.Errorf("conv2d_1: %+v, want a 3x3 Conv2D 32 -> 32", c)
	}
	m.TimeLayers(true) // cleared
	if lt := m.LayerTimes()[0]; lt.ForwardSamples != 0 || lt.Forward != 0 {
		t.Errorf("after TimeLayers(true): %+v, want zeros", lt)
	}
	m.TimeLayers(false)
	m.Forward(x, false)
	if m.LayerTimes() != nil {
		t.Error("LayerTimes with timing off, want nil")
	}
}
