package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Flatten", layerKind{make: func(LayerSpec) (Layer, error) { return &Flatten{}, nil }})
}

// Flatten is Keras' Flatten: (N, H, W, C) -> (N, H*W*C) in (h, w, c)
// order. It is a view: no data moves.
type Flatten struct {
	named
	in   tensor.Shape
	size int
	y    tensor.Tensor
	dx   tensor.Tensor
}

func (l *Flatten) Type() string     { return "Flatten" }
func (l *Flatten) Params() []*Param { return nil }

// plan: a view, no buffers of its own.
func (l *Flatten) plan(in tensor.Shape) (footprint, error) {
	if len(in) == 0 || values(in) == 0 {
		return footprint{}, fmt.Errorf("cannot flatten input shape %v", in)
	}
	return footprint{out: tensor.Shape{in.Size()}}, nil
}

func (l *Flatten) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	l.in, l.size = in.Clone(), in.Size()
	return tensor.Shape{l.size}, nil
}

// Forward: x (N, ...) -> y (N, size), sharing x's storage.
func (l *Flatten) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.y = tensor.Tensor{Shape: append(l.y.Shape[:0], n, l.size), Data: x.Data}
	return &l.y
}

// Backward: dy (N, size) -> dx (N, ...), sharing dy's storage.
func (l *Flatten) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	l.dx = tensor.Tensor{Shape: append(append(l.dx.Shape[:0], dy.Shape[0]), l.in...), Data: dy.Data}
	return &l.dx
}
