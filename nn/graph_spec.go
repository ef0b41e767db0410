package nn

import (
	"fmt"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// Graph makes an unbuilt functional model from the spec. Each layer is
// called on the tensors its inputs name: the input ("input_layer") or an
// earlier layer (input_name renames the input), by its name or by the name Keras gives it by default
// (conv2d, conv2d_1, add, ...); a layer without inputs is called on the
// previous layer's output. The last layer is the output.
func (ms ModelSpec) Graph() (*Graph, error) {
	if len(ms.Input) == 0 {
		return nil, fmt.Errorf("input_shape is missing (e.g. [32, 32, 3])")
	}
	if len(ms.Layers) == 0 {
		return nil, fmt.Errorf("layers: none given")
	}
	layers := make([]Layer, len(ms.Layers))
	for i, s := range ms.Layers {
		l, err := s.Layer()
		if err != nil {
			return nil, fmt.Errorf("layers[%d]: %w", i, err)
		}
		layers[i] = l
	}
	g := NewGraph(tensor.Shape(ms.Input))
	g.ModelName, g.InputName = ms.Name, ms.InputName
	if err := assignKerasNames(layers, g.inputName()); err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	refs := map[string]Ref{g.inputName(): inputRef}
	prev := inputRef
	for i, s := range ms.Layers {
		in := []Ref{prev}
		if len(s.Inputs) > 0 {
			in = in[:0]
			for _, name := range s.Inputs {
				r, ok := refs[name]
				if !ok {
					return nil, fmt.Errorf("layers[%d] (%s): input %q is not %s or an earlier layer (known: %s)",
						i, layers[i].Name(), name, g.inputName(), strings.Join(knownRefs(refs), ", "))
				}
				in = append(in, r)
			}
		}
		prev = g.Call(layers[i], in...)
		refs[layers[i].Name()] = prev
	}
	return g, nil
}

func knownRefs(refs map[string]Ref) []string {
	names := make([]string, len(refs))
	for name, r := range refs {
		names[r+1] = name
	}
	return names
}

// Spec describes g as data (after Build, every layer has its name): every
// layer lists its inputs.
func (g *Graph) Spec() ModelSpec {
	ms := ModelSpec{Name: g.ModelName, Input: g.Input.Clone(), InputName: g.InputName}
	for _, n := range g.nodes {
		s := describeLayer(n.layer)
		for _, r := range n.inputs {
			s.Inputs = append(s.Inputs, g.refName(r))
		}
		ms.Layers = append(ms.Layers, s)
	}
	return ms
}
