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

// TestTimeLayersGraph checks a Graph's counts: one entry per call in Nodes
// order, a merge layer's Backward without FLOPs, the stem convolution's
// Backward without an input gradient.
func TestTimeLayersGraph(t *testing.T) {
	g := ResNet20(tensor.Shape{8, 8, 3}, 3)
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	g.TimeLayers(true)
	g.Gradients(randTensor(rng, 1, 2, 8, 8, 3), Target{Labels: []int32{0, 2}}, nil, &SparseCategoricalCrossentropy{}, nil)
	g.Forward(randTensor(rng, 1, 3, 8, 8, 3), false)
	times, nodes := g.LayerTimes(), g.Nodes()
	if len(times) != len(nodes) {
		t.Fatalf("%d times for %d nodes", len(times), len(nodes))
	}
	adds := 0
	for i, lt := range times {
		l := nodes[i].Layer
		f := float64(layerFLOPs(l))
		if lt.Layer != l.Name() || lt.ForwardSamples != 5 || lt.ForwardFLOP != 5*f {
			t.Errorf("node %d: %+v, want %s with 5 forward samples and %v FLOP", i, lt, l.Name(), 5*f)
		}
		switch {
		case i == 0 && (l.Type() != "Conv2D" || lt.BackwardFLOP != 2*f || lt.BackwardSamples != 2):
			t.Errorf("stem: %+v, want a Conv2D whose Backward counts the kernel gradient only", lt)
		case l.Type() == "Add":
			adds++
			if lt.BackwardSamples != 2 || lt.BackwardFLOP != 0 {
				t.Errorf("%s: %+v, want 2 backward samples, no FLOPs", l.Name(), lt)
			}
		}
	}
	if adds == 0 {
		t.Error("no Add node timed")
	}
	g.TimeLayers(false)
	if g.LayerTimes() != nil {
		t.Error("LayerTimes with timing off, want nil")
	}
}
