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
// several (its output, the input gradients: no weights).
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
	for _, s := range in {
		fp.buffers += values(s)
	}
	return fp, nil
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
// weight; slots < 0 estimates inference only.
func (g *Graph) EstimateMemory(batch, slots int) (MemoryEstimate, error) {
	if batch < 1 {
		return MemoryEstimate{}, fmt.Errorf("batch size %d: want 1 or more", batch)
	}
	fps, err := g.plan()
	if err != nil {
		return MemoryEstimate{}, err
	}
	return estimate(g.Input, fps, batch, slots, false, g.countSlabs(fps)), nil
}
