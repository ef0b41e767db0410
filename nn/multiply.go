package nn

import (
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Multiply", layerKind{make: func(LayerSpec) (Layer, error) { return &Multiply{}, nil }})
}

// Multiply is Keras' Multiply: the elementwise product of its inputs,
// broadcasting axes of size 1 (squeeze-and-excite scales (N, H, W, C) by
// (N, 1, 1, C)).
type Multiply struct {
	named
	merge
	g *tensor.Tensor // dy times the other inputs, in the output's shape
}

func (l *Multiply) Type() string { return "Multiply" }

func (l *Multiply) BuildInputs(in []tensor.Shape) (tensor.Shape, error) {
	return l.buildBroadcast(in)
}

// ForwardInputs: xs[i] (N, ...) -> y (N, ...) = Π_i xs[i].
func (l *Multiply) ForwardInputs(xs []*tensor.Tensor, training bool) *tensor.Tensor {
	n := l.checkInputs(l, xs)
	y := output(l.arena, &l.y, xs[0], n, l.out)
	if l.plain() { // no broadcasting: elementwise over the whole batch
		copy(y.Data, xs[0].Data)
		for _, x := range xs[1:] {
			for k, v := range x.Data {
				y.Data[k] *= v
			}
		}
		return y
	}
	size := l.out.Size()
	for b := 0; b < n; b++ {
		ys := y.Data[b*size : (b+1)*size]
		for o := range ys {
			p := l.value(0, b, o)
			for i := 1; i < len(xs); i++ {
				p *= l.value(i, b, o)
			}
			ys[o] = p
		}
	}
	return y
}

// BackwardInputs: g_i = dy · Π_{j≠i} xs[j] (N, out...), then dxs[i] = g_i
// summed over the axes input i broadcasts on.
func (l *Multiply) BackwardInputs(dy *tensor.Tensor) []*tensor.Tensor {
	n := dy.Shape[0]
	if l.plain() && len(l.in) == 2 { // dx0 = dy·x1, dx1 = dy·x0
		for i := range l.dxs {
			l.dxs[i] = ensureOwn(l.dxs[i], dy, n, l.in[i])
			other := l.xs[1-i].Data
			for k, d := range dy.Data {
				l.dxs[i].Data[k] = d * other[k]
			}
		}
		return l.dxs
	}
	size := l.out.Size()
	for i := range l.in {
		target := l.g
		if l.maps[i] == nil {
			l.dxs[i] = ensureOwn(l.dxs[i], dy, n, l.in[i])
			target = l.dxs[i]
		} else {
			l.g = ensureBatch(l.g, n, l.out)
			target = l.g
		}
		for b := 0; b < n; b++ {
			ts, ds := target.Data[b*size:(b+1)*size], dy.Data[b*size:(b+1)*size]
			for o := range ts {
				p := ds[o]
				for j := range l.in {
					if j != i {
						p *= l.value(j, b, o)
					}
				}
				ts[o] = p
			}
		}
		if l.maps[i] != nil {
			l.dxs[i] = ensureOwn(l.dxs[i], dy, n, l.in[i])
			l.reduceInto(i, l.dxs[i].Data, l.g.Data, n)
		}
	}
	return l.dxs
}
