package nn

import (
	"fmt"

	"github.com/cnnscope/cnnscope/tensor"
)

// layers is the model's layers in call order (shardModel).
func (m *Sequential) layers() []Layer { return m.Layers }

// replica builds a copy of the model from its layers' configs: the same
// layer types, settings, names and trainable flags, its own buffers.
func (m *Sequential) replica() (*Sequential, error) {
	layers := make([]Layer, len(m.Layers))
	for i, l := range m.Layers {
		c, err := describeLayer(l).Layer()
		if err != nil {
			return nil, err
		}
		layers[i] = c
	}
	r := NewSequential(m.Input, layers...)
	r.ModelName = m.ModelName
	if err := r.Build(0); err != nil {
		return nil, err
	}
	return r, nil
}

// linkReplica makes r use the model's weight tensors and trainable flags
// and appends r's gradient of each of the model's params to grads.
func (m *Sequential) linkReplica(r *Sequential, grads []*tensor.Tensor) []*tensor.Tensor {
	grads = linkLayers(m.Layers, r.Layers, grads)
	if r.clock.on != m.clock.on {
		r.clock.reset(m.clock.on, r.Layers)
	}
	return grads
}

// linkLayers makes each replica layer rs[i] (built from the config of
// ls[i]) use ls[i]'s weight tensors and trainable flags, and appends the
// replica's gradient of each param to grads.
func linkLayers(ls, rs []Layer, grads []*tensor.Tensor) []*tensor.Tensor {
	for i, l := range ls {
		rl := rs[i]
		SetTrainable(rl, Trainable(l))
		ps, rps := l.Params(), rl.Params()
		if len(ps) != len(rps) {
			panic(fmt.Sprintf("nn: replica layer %s has %d params, want %d", rl.Name(), len(rps), len(ps)))
		}
		for j, p := range ps {
			rp := rps[j]
			if (p.Grad == nil) != (rp.Grad == nil) || !p.Value.Shape.Equal(rp.Value.Shape) {
				panic("nn: replica param " + rl.Name() + "/" + rp.Name + " does not match the model's")
			}
			rp.Value, rp.Trainable = p.Value, p.Trainable
			grads = append(grads, rp.Grad)
		}
	}
	return grads
}
