package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

// EstimateMemory is Sequential.EstimateMemory for a functional model:
// every node is planned on its inputs' shapes before anything is
// allocated (a merge, which has no weights, is built to learn its shape).
func (g *Graph) EstimateMemory(batch, slots int) (MemoryEstimate, error) {
	if batch < 1 {
		return MemoryEstimate{}, fmt.Errorf("batch size %d: want 1 or more", batch)
	}
	if err := g.checkWiring(); err != nil {
		return MemoryEstimate{}, err
	}
	if err := checkShape("model "+g.Name()+": input shape", g.Input); err != nil {
		return MemoryEstimate{}, err
	}
	layers := make([]Layer, len(g.nodes))
	for i, n := range g.nodes {
		layers[i] = n.layer
	}
	if err := assignKerasNames(layers, g.inputName()); err != nil {
		return MemoryEstimate{}, fmt.Errorf("model %s: %w", g.Name(), err)
	}
	shapes := make([]tensor.Shape, len(g.nodes))
	fps := make([]footprint, len(g.nodes))
	for i, n := range g.nodes {
		var in []tensor.Shape
		for _, r := range n.inputs {
			if r == inputRef {
				in = append(in, g.Input)
			} else {
				in = append(in, shapes[r])
			}
		}
		fp, err := nodePlan(n.layer, in)
		if err == nil {
			err = checkShape("output shape", fp.out)
		}
		if err != nil {
			return MemoryEstimate{}, fmt.Errorf("layer %d %s (%s): %w", i, n.layer.Name(), n.layer.Type(), err)
		}
		shapes[i], fps[i] = fp.out, fp
	}
	return estimate(g.Input, fps, batch, slots), nil
}

// nodePlan is layerPlan for a node with one or several inputs.
func nodePlan(l Layer, in []tensor.Shape) (footprint, error) {
	if _, merge := l.(MultiInput); !merge && len(in) == 1 {
		return layerPlan(l, in[0])
	}
	out, err := buildNode(l, in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		return footprint{}, err
	}
	fp := footprint{out: out, buffers: values(out)}
	for _, s := range in {
		fp.buffers += values(s)
	}
	return fp, nil
}
