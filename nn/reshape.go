package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Reshape", layerKind{
		fields: []string{"target_shape"},
		make: func(s LayerSpec) (Layer, error) {
			if len(s.TargetShape) == 0 {
				return nil, fmt.Errorf("Reshape needs target_shape (e.g. [1, 1, 64])")
			}
			return &Reshape{TargetShape: append([]int(nil), s.TargetShape...)}, nil
		},
		describe: func(l Layer, s *LayerSpec) { s.TargetShape = append([]int(nil), l.(*Reshape).TargetShape...) },
	})
}

// Reshape is Keras' Reshape: the same values (row-major) in a new
// per-sample shape; one dimension may be -1 (inferred). It is a view: no
// data moves.
type Reshape struct {
	named
	TargetShape []int

	in, out tensor.Shape
	y, dx   tensor.Tensor
}

func (l *Reshape) Type() string     { return "Reshape" }
func (l *Reshape) Params() []*Param { return nil }

func (l *Reshape) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	out := tensor.Shape(append([]int(nil), l.TargetShape...))
	known, free := 1, -1
	for i, d := range out {
		switch {
		case d == -1 && free < 0:
			free = i
		case d <= 0:
			return nil, fmt.Errorf("target_shape %v: dimensions must be positive (one may be -1)", l.TargetShape)
		default:
			known *= d
		}
	}
	if free >= 0 {
		if known == 0 || in.Size()%known != 0 {
			return nil, fmt.Errorf("target_shape %v does not divide the input's %d values", l.TargetShape, in.Size())
		}
		out[free] = in.Size() / known
	}
	if out.Size() != in.Size() {
		return nil, fmt.Errorf("target_shape %v holds %d values, the input %s has %d", l.TargetShape, out.Size(), FormatShape(in), in.Size())
	}
	l.in, l.out = in.Clone(), out
	return out.Clone(), nil
}

// Forward: x (N, in...) -> y (N, out...), sharing x's storage.
func (l *Reshape) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.y = tensor.Tensor{Shape: append(append(l.y.Shape[:0], n), l.out...), Data: x.Data}
	return &l.y
}

// Backward: dy (N, out...) -> dx (N, in...), sharing dy's storage.
func (l *Reshape) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	l.dx = tensor.Tensor{Shape: append(append(l.dx.Shape[:0], dy.Shape[0]), l.in...), Data: dy.Data}
	return &l.dx
}
