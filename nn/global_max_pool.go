package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("GlobalMaxPooling2D", layerKind{
		make: func(LayerSpec) (Layer, error) { return &GlobalMaxPooling2D{}, nil },
	})
}

// GlobalMaxPooling2D is Keras' GlobalMaxPooling2D: (N, H, W, C) -> (N, C),
// the largest value of each channel. The gradient goes to the first
// position holding it.
type GlobalMaxPooling2D struct {
	named
	in     tensor.Shape
	y, dx  *tensor.Tensor
	argmax []int32 // per sample and channel: the position of the maximum
}

func (l *GlobalMaxPooling2D) Type() string     { return "GlobalMaxPooling2D" }
func (l *GlobalMaxPooling2D) Params() []*Param { return nil }

func (l *GlobalMaxPooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	l.in = in.Clone()
	return tensor.Shape{in[2]}, nil
}

// Forward: x (N, H, W, C) -> y (N, C) = max over (H, W). A NaN wins, so
// that diagnosis sees it.
func (l *GlobalMaxPooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	c, hw := l.in[2], l.in[0]*l.in[1]
	l.y = ensureBatch(l.y, n, tensor.Shape{c})
	if cap(l.argmax) < n*c {
		l.argmax = make([]int32, n*c)
	}
	l.argmax = l.argmax[:n*c]
	for b := 0; b < n; b++ {
		xs, ys, am := x.Data[b*hw*c:(b+1)*hw*c], l.y.Data[b*c:(b+1)*c], l.argmax[b*c:(b+1)*c]
		copy(ys, xs[:c])
		clear(am)
		for p := 1; p < hw; p++ {
			for j, v := range xs[p*c : (p+1)*c] {
				if v > ys[j] || (v != v && ys[j] == ys[j]) {
					ys[j], am[j] = v, int32(p)
				}
			}
		}
	}
	return l.y
}

// Backward: dy (N, C) -> dx (N, H, W, C), dy at each channel's maximum,
// zero elsewhere.
func (l *GlobalMaxPooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	n := dy.Shape[0]
	c, hw := l.in[2], l.in[0]*l.in[1]
	l.dx = ensureBatch(l.dx, n, l.in)
	clear(l.dx.Data)
	for b := 0; b < n; b++ {
		for j := 0; j < c; j++ {
			l.dx.Data[(b*hw+int(l.argmax[b*c+j]))*c+j] = dy.Data[b*c+j]
		}
	}
	return l.dx
}
