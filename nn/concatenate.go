package nn

import (
	"fmt"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Concatenate", layerKind{
		fields:   []string{"axis"},
		make:     func(s LayerSpec) (Layer, error) { return &Concatenate{Axis: s.Axis}, nil },
		describe: func(l Layer, s *LayerSpec) { s.Axis = l.(*Concatenate).Axis },
	})
}

// Concatenate is Keras' Concatenate: its inputs joined along one axis
// (the channels by default); the other axes must agree.
type Concatenate struct {
	named
	merge
	// Axis counts the batch as axis 0, as Keras does; 0 (the zero value)
	// means -1, the last axis.
	Axis int

	axis  int   // per-sample axis
	outer int   // product of the axes before it
	inner []int // per input: its elements from the axis on, per outer index
}

func (l *Concatenate) Type() string { return "Concatenate" }

func (l *Concatenate) BuildInputs(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("needs at least 2 inputs, got %d", len(in))
	}
	rank := len(in[0])
	a := l.Axis - 1
	if l.Axis <= 0 {
		a = rank + l.Axis
		if l.Axis == 0 {
			a = rank - 1
		}
	}
	if a < 0 || a >= rank {
		return nil, fmt.Errorf("axis %d is outside the inputs' rank %d (plus the batch)", l.Axis, rank)
	}
	out := in[0].Clone()
	out[a] = 0
	for _, s := range in {
		if len(s) != rank {
			return nil, fmt.Errorf("inputs of different ranks: %s and %s", FormatShape(in[0]), FormatShape(s))
		}
		for k := range s {
			if k != a && s[k] != in[0][k] {
				return nil, fmt.Errorf("input shapes %s and %s differ on axis %d (only the concatenation axis %d may)", FormatShape(in[0]), FormatShape(s), k+1, a+1)
			}
		}
		out[a] += s[a]
	}
	l.axis, l.outer = a, in[0][:a].Size()
	l.in, l.out, l.inner = nil, out, nil
	for _, s := range in {
		l.in = append(l.in, s.Clone())
		l.inner = append(l.inner, s[a:].Size())
	}
	l.dxs = make([]*tensor.Tensor, len(in))
	return out.Clone(), nil
}

// ForwardInputs: xs[i] (N, ..., C_i, ...) -> y (N, ..., ΣC_i, ...), input
// after input along the axis.
func (l *Concatenate) ForwardInputs(xs []*tensor.Tensor, training bool) *tensor.Tensor {
	n := l.checkInputs(l, xs)
	y := output(l.arena, &l.y, xs[0], n, l.out)
	l.each(n, func(i, src, dst, k int) { copy(y.Data[dst:dst+k], xs[i].Data[src:src+k]) })
	return y
}

// BackwardInputs: dy (N, ..., ΣC_i, ...) -> dxs[i], the slices of dy.
func (l *Concatenate) BackwardInputs(dy *tensor.Tensor) []*tensor.Tensor {
	n := dy.Shape[0]
	for i := range l.in {
		l.dxs[i] = ensureOwn(l.dxs[i], dy, n, l.in[i])
	}
	l.each(n, func(i, src, dst, k int) { copy(l.dxs[i].Data[src:src+k], dy.Data[dst:dst+k]) })
	return l.dxs
}

// each calls fn for every contiguous block: k elements at src in input i
// and at dst in the output.
func (l *Concatenate) each(n int, fn func(i, src, dst, k int)) {
	dst := 0
	for r := 0; r < n*l.outer; r++ {
		for i, k := range l.inner {
			fn(i, r*k, dst, k)
			dst += k
		}
	}
}
