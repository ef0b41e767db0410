package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("ZeroPadding2D", layerKind{
		fields: []string{"padding"},
		make: func(s LayerSpec) (Layer, error) {
			if s.Padding == "" {
				return &ZeroPadding2D{Padding: [4]int{1, 1, 1, 1}}, nil
			}
			p, ok := s.Padding.amounts()
			if !ok {
				return nil, fmt.Errorf("ZeroPadding2D's padding is a number, [rows, columns] or [[top, bottom], [left, right]], got %q", string(s.Padding))
			}
			return &ZeroPadding2D{Padding: p}, nil
		},
		describe: func(l Layer, s *LayerSpec) { s.Padding = paddingOfAmounts(l.(*ZeroPadding2D).Padding) },
	})
}

// ZeroPadding2D is Keras' ZeroPadding2D: rows and columns of zeros around
// each image. Padding is (top, bottom, left, right); Keras' default, and
// this layer's made from a spec without padding, is 1 on every side.
type ZeroPadding2D struct {
	named
	Padding [4]int

	in, out tensor.Shape
	y, dx   *tensor.Tensor
	arena   *arena // where inference outputs go (nil: y)
}

func (l *ZeroPadding2D) setArena(a *arena) { l.arena = a }

func (l *ZeroPadding2D) Type() string     { return "ZeroPadding2D" }
func (l *ZeroPadding2D) Params() []*Param { return nil }

func (l *ZeroPadding2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	for _, p := range l.Padding {
		if p < 0 {
			return nil, fmt.Errorf("padding %v: amounts must not be negative", l.Padding)
		}
	}
	p := l.Padding
	l.in, l.out = in.Clone(), tensor.Shape{in[0] + p[0] + p[1], in[1] + p[2] + p[3], in[2]}
	return l.out.Clone(), nil
}

// Forward: x (N, H, W, C) -> y (N, top+H+bottom, left+W+right, C), in
// one pass, samples in parallel: each output row is either zeros (the
// top and bottom borders) or left zeros, an input row, right zeros.
func (l *ZeroPadding2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	y := output(l.arena, &l.y, x, n, l.out)
	h, w, c := l.in[0], l.in[1], l.in[2]
	oh, ow := l.out[0], l.out[1]
	top, left := l.Padding[0], l.Padding[2]
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			yb, xb := y.Data[b*oh*ow*c:(b+1)*oh*ow*c], x.Data[b*h*w*c:(b+1)*h*w*c]
			clear(yb[:top*ow*c])
			clear(yb[(top+h)*ow*c:])
			for i := 0; i < h; i++ {
				row := yb[(top+i)*ow*c : (top+i+1)*ow*c]
				clear(row[:left*c])
				copy(row[left*c:], xb[i*w*c:(i+1)*w*c])
				clear(row[(left+w)*c:])
			}
		}
	})
	return y
}

// Backward: dx is dy without the border, samples in parallel.
func (l *ZeroPadding2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	n := dy.Shape[0]
	l.dx = ensureBatch(l.dx, n, l.in)
	h, w, c := l.in[0], l.in[1], l.in[2]
	oh, ow := l.out[0], l.out[1]
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			for i := 0; i < h; i++ {
				yo := ((b*oh+i+l.Padding[0])*ow + l.Padding[2]) * c
				copy(l.dx.Data[(b*h+i)*w*c:(b*h+i+1)*w*c], dy.Data[yo:yo+w*c])
			}
		}
	})
	return l.dx
}
