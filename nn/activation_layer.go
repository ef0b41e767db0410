package nn

import (
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Activation", layerKind{
		fields:   []string{"activation"},
		make:     func(s LayerSpec) (Layer, error) { return &Activation{Function: s.Activation}, nil },
		describe: func(l Layer, s *LayerSpec) { s.Activation = l.(*Activation).Function },
	})
}

// Activation is Keras' Activation layer: an activation function on its
// own (relu, leaky_relu, elu, selu, gelu, sigmoid, tanh, softmax, linear);
// softmax acts on the last axis.
type Activation struct {
	named
	Function string // "" = linear

	act        *activation
	in         tensor.Shape
	logitsGrad bool
	y, z       *tensor.Tensor
	arena      *arena // where inference outputs go (nil: y)
}

func (l *Activation) Type() string           { return "Activation" }
func (l *Activation) Params() []*Param       { return nil }
func (l *Activation) activationName() string { return l.act.name }
func (l *Activation) setLogitsGrad(on bool)  { l.logitsGrad = on }
func (l *Activation) setArena(a *arena)      { l.arena = a }

// validate checks the function's name.
func (l *Activation) validate() error {
	_, err := lookupActivation(l.Function)
	return err
}

func (l *Activation) plan(in tensor.Shape) (footprint, error) {
	return footprint{out: in.Clone(), buffers: 3 * values(in), arena: true}, l.validate() // y, z, dx
}

func (l *Activation) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	var err error
	l.act, err = lookupActivation(l.Function)
	l.in = in.Clone()
	return in.Clone(), err
}

// Forward: y = f(x), same shape.
func (l *Activation) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	y := output(l.arena, &l.y, x, n, l.in)
	l.z = applyActivationFrom(l.act, y, x, l.z, l.in[len(l.in)-1])
	return y
}

// Backward: dx = f'(x) * dy, computed in place in dy.
func (l *Activation) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	if !l.logitsGrad {
		activationBackward(l.act, dy, l.y, l.z, l.in[len(l.in)-1])
	}
	return dy
}
