package nn

import (
	"fmt"

	"github.com/cnnscope/cnnscope/tensor"
)

// plan checks the wiring, names the layers and plans every layer call
// against its input shapes without allocating the weights of layers that
// plan; it returns the calls' footprints. A tensor used by several layers
// costs no buffer of its own: their gradients are summed into the last.
func (g *Graph) plan() ([]footprint, error) {
	if err := g.checkWiring(); err != nil {
		return nil, err
	}
	if err := checkShape("model "+g.Name()+": input shape", g.Input); err != nil {
		return nil, err
	}
	layers := make([]Layer, len(g.nodes))
	for i, n := range g.nodes {
		layers[i] = n.layer
	}
	if err := assignKerasNames(layers, g.inputName()); err != nil {
		return nil, fmt.Errorf("model %s: %w", g.Name(), err)
	}
	fps := make([]footprint, len(g.nodes))
	for i, n := range g.nodes {
		var in []tensor.Shape
		for _, r := range n.inputs {
			if r == inputRef {
				in = append(in, g.Input.Clone())
			} else {
				in = append(in, fps[r].out)
			}
		}
		fp, err := nodePlan(n.layer, in)
		if a, ok := n.layer.(*Activation); ok && err == nil {
			fp.buffers = activationBuffers(a, in[0])
		}
		if err == nil {
			err = checkShape("output shape", fp.out)
		}
		if err != nil {
			return nil, fmt.Errorf("layer %d %s (%s) with input shape %s: %w", i, n.layer.Name(), n.layer.Type(), formatShapes(in), err)
		}
		fps[i] = fp
	}
	return fps, nil
}

// nodePlan plans a one-input layer on one shape or a merge layer on
// several (its output, the input gradients: no weights). An Add's input
// gradients of its output's shape are dy itself and copies in the
// gradient slabs (graph_grads.go): only those it broadcasts are its own.
func nodePlan(l Layer, in []tensor.Shape) (footprint, error) {
	m, ok := l.(MultiInput)
	if !ok {
		if len(in) != 1 {
			return footprint{}, fmt.Errorf("%s takes one input, got %d", l.Type(), len(in))
		}
		return layerPlan(l, in[0])
	}
	if len(in) < 2 {
		return footprint{}, fmt.Errorf("%s merges several tensors: give it at least 2 inputs", l.Type())
	}
	out, err := m.BuildInputs(in)
	if err != nil {
		return footprint{}, err
	}
	fp := footprint{out: out, buffers: values(out), arena: true}
	_, add := l.(*Add)
	for _, s := range in {
		if !add || !s.Equal(out) {
			fp.buffers += values(s)
		}
	}
	return fp, nil
}

// activationBuffers is what an Activation of a Graph keeps per sample:
// its output, and its input where the derivative needs it (its Backward
// works in dy).
func activationBuffers(a *Activation, in tensor.Shape) float64 {
	if act, err := lookupActivation(a.Function); err == nil && act.needsZ {
		return 2 * values(in)
	}
	return values(in)
}

func formatShapes(in []tensor.Shape) string {
	s := ""
	for i, sh := range in {
		if i > 0 {
			s += ", "
		}
		s += FormatShape(sh)
	}
	return s
}

// EstimateMemory estimates the memory of training g (built or not) at
// this batch size with an optimizer keeping slots values per trainable
// weight; slots < 0 estimates inference only. Both are counted as they
// run on GOMAXPROCS threads (memory_run.go).
func (g *Graph) EstimateMemory(batch, slots int) (MemoryEstimate, error) {
	if batch < 1 {
		return MemoryEstimate{}, fmt.Errorf("batch size %d: want 1 or more", batch)
	}
	fps, err := g.plan()
	if err != nil {
		return MemoryEstimate{}, err
	}
	ins := make([]tensor.Shape, len(fps))
	layers := make([]Layer, len(fps))
	for i, n := range g.nodes {
		ins[i], layers[i] = g.Input, n.layer
		if r := n.inputs[0]; r != inputRef {
			ins[i] = fps[r].out
		}
	}
	rp := runPlan{gradSlabs: g.gradSlabBound(), inferSlabs: g.countSlabs(fps), minShard: minGraphShardSamples,
		shardable:  planShardable(layers, ins, batch, minGraphShardSamples),
		microBytes: graphShardBytes(), soloBytes: microBatchBytes}
	return estimate(g.Input, fps, batch, slots, rp), nil
}

// gradSlabBound bounds the gradient slabs a Backward takes (graph_grads.go):
// at a layer call, the slabs of the gradients waiting to be read (a tensor
// read by an Add may hold two: its gradient and a masked source,
// batchnorm_add.go) and those the call takes (an input gradient, an Add's
// copies for its other operands).
func (g *Graph) gradSlabBound() int {
	lastUse := g.lastUses()
	byAdd := make([]bool, len(g.nodes))
	for _, n := range g.nodes {
		if _, ok := n.layer.(*Add); ok {
			for _, r := range n.inputs {
				if r >= 0 {
					byAdd[r] = true
				}
			}
		}
	}
	most := 1
	for i, n := range g.nodes {
		held := 0
		for r := range i + 1 {
			if lastUse[r] > i {
				held++
				if byAdd[r] {
					held++
				}
			}
		}
		most = max(most, held+gradTakes(n))
	}
	return most
}

// gradTakes is the gradient slabs node n's Backward takes: one for an
// input gradient written through inputGrad, an Add's copies of dy.
func gradTakes(n graphNode) int {
	switch n.layer.(type) {
	case *Conv2D, *Dense, *MaxPooling2D, *AveragePooling2D:
		return 1
	case *Add:
		return len(n.inputs) - 1
	}
	return 0
}
