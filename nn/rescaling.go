package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Rescaling", layerKind{
		fields: []string{"scale", "offset"},
		make: func(s LayerSpec) (Layer, error) {
			if s.Scale.Bool != nil {
				return nil, fmt.Errorf("Rescaling's scale is a number (e.g. 0.00392156862745098 for 1/255)")
			}
			if s.Scale.Number == nil {
				return nil, fmt.Errorf("Rescaling needs scale (e.g. 0.00392156862745098 for 1/255)")
			}
			return &Rescaling{Scale: *s.Scale.Number, Offset: s.Offset}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			r := l.(*Rescaling)
			s.Scale, s.Offset = numberArg(r.Scale), r.Offset
		},
	})
}

// Rescaling is Keras' Rescaling: y = x*Scale + Offset (e.g. Scale 1/255
// turns pixels into [0, 1]). No weights.
type Rescaling struct {
	named
	Scale, Offset float64

	in    tensor.Shape
	y, dx *tensor.Tensor
}

func (l *Rescaling) Type() string     { return "Rescaling" }
func (l *Rescaling) Params() []*Param { return nil }

func (l *Rescaling) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	l.in = in.Clone()
	return in.Clone(), nil
}

// Forward: y = x*scale + offset, same shape (in float32, as Keras).
func (l *Rescaling) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.y = ensureBatch(l.y, n, l.in)
	s, o := float32(l.Scale), float32(l.Offset)
	for i, v := range x.Data {
		l.y.Data[i] = v*s + o
	}
	return l.y
}

// Backward: dx = dy*scale.
func (l *Rescaling) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	l.dx = ensureBatch(l.dx, dy.Shape[0], l.in)
	s := float32(l.Scale)
	for i, v := range dy.Data {
		l.dx.Data[i] = v * s
	}
	return l.dx
}
