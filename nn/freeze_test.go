package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// frozenTestGraph has no BatchNormalization (which a freeze switches to
// inference mode), so freezing changes no forward value.
func frozenTestGraph() *Graph {
	g := NewGraph(tensor.Shape{6, 6, 2})
	a := g.Call(&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, g.In())
	b := g.Call(&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same"}, a)
	c := g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, a, b))
	d := g.Call(&Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}}, c)
	g.Call(&Dense{Units: 3, Activation: "softmax"}, g.Call(&Flatten{}, d))
	return g
}

// Frozen layers get no gradient: their weight gradients are zero (also
// after a step taken before the freeze), the backward pass stops at the
// last layer that learns, and the layers that learn get the same
// gradients, bit for bit, as when nothing is frozen.
func TestFrozenLayersComputeNoGradients(t *testing.T) {
	for name, c := range map[string]struct {
		mk      func() *Graph
		frozen  int  // the first frozen nodes; -1: all
		compare bool // the forward pass does not change with the freeze
	}{
		"base":        {frozenTestGraph, 4, true},
		"first layer": {frozenTestGraph, 1, true},
		"everything":  {frozenTestGraph, -1, true},
		"resnet-20":   {func() *Graph { return ResNet20(tensor.Shape{8, 8, 3}, 3) }, 12, false},
	} {
		tuned, full := c.mk(), c.mk()
		for _, g := range []*Graph{tuned, full} {
			if err := g.Build(5); err != nil {
				t.Fatal(err)
			}
		}
		rng := rand.New(rand.NewPCG(3, 4))
		x := tensor.New(append([]int{4}, tuned.Input...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		labels := []int32{0, 1, 2, 0}
		step := func(g *Graph) { g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil) }
		step(tuned) // leaves gradients behind in the layers frozen next
		for i, n := range tuned.nodes {
			if c.frozen < 0 || i < c.frozen {
				SetTrainableBuilt(n.layer, false)
			}
		}
		if c.frozen > 1 {
			for _, n := range tuned.nodes[:c.frozen-1] {
				if cv, ok := n.layer.(*Conv2D); ok {
					cv.dx = nil
				}
			}
		}
		step(tuned)
		step(full)
		pt, pf := tuned.Params(), full.Params()
		for i, p := range pt {
			switch {
			case p.Grad == nil:
			case !p.Trainable:
				for j, v := range p.Grad.Data {
					if v != 0 {
						t.Fatalf("%s: frozen %s grad[%d] = %v, want 0", name, p.FullName(), j, v)
					}
				}
			case c.compare:
				sameBitsT(t, name+" "+p.FullName(), p.Grad.Data, pf[i].Grad.Data)
			}
		}
		if c.frozen > 1 {
			// Below the last frozen layer nothing needs an input gradient.
			for _, n := range tuned.nodes[:c.frozen-1] {
				if cv, ok := n.layer.(*Conv2D); ok && cv.dx != nil {
					t.Errorf("%s: frozen %s computed an input gradient", name, cv.Name())
				}
			}
		}
	}
}
