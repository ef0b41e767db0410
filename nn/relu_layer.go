package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("ReLU", layerKind{
		fields: []string{"max_value", "negative_slope", "threshold"},
		make: func(s LayerSpec) (Layer, error) {
			return &ReLU{MaxValue: s.MaxValue, NegativeSlope: s.NegativeSlope, Threshold: s.Threshold}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			r := l.(*ReLU)
			s.MaxValue, s.NegativeSlope, s.Threshold = r.MaxValue, r.NegativeSlope, r.Threshold
		},
	})
}

// ReLU is Keras' ReLU layer (keras.layers.ReLU):
//
//	f(x) = min(x, max_value)                   for x > threshold
//	f(x) = negative_slope * (x - threshold)    otherwise
//
// as Keras 3 computes it (x equal to the threshold falls in the second
// case). Its slope is 1 strictly between the threshold and max_value, 0
// from max_value on and negative_slope up to the threshold. All three
// arguments must be non-negative, as Keras requires.
type ReLU struct {
	named
	MaxValue      *float64 // nil: no cap (Keras' None)
	NegativeSlope float64  // zero value: 0
	Threshold     float64  // zero value: 0

	in   tensor.Shape
	x, y *tensor.Tensor
}

func (l *ReLU) Type() string     { return "ReLU" }
func (l *ReLU) Params() []*Param { return nil }

// validate checks the arguments as Keras does (NaN and infinities
// refused, except an infinite max_value).
func (l *ReLU) validate() error {
	if l.MaxValue != nil && !(*l.MaxValue >= 0) {
		return fmt.Errorf("max_value must be >= 0 (or left out for no cap), got %g", *l.MaxValue)
	}
	if !(l.NegativeSlope >= 0 && !math.IsInf(l.NegativeSlope, 1)) {
		return fmt.Errorf("negative_slope must be a finite number >= 0, got %g", l.NegativeSlope)
	}
	if !(l.Threshold >= 0 && !math.IsInf(l.Threshold, 1)) {
		return fmt.Errorf("threshold must be a finite number >= 0, got %g", l.Threshold)
	}
	return nil
}

func (l *ReLU) plan(in tensor.Shape) (footprint, error) {
	return footprint{out: in.Clone(), buffers: 2 * values(in)}, l.validate() // y, dx
}

func (l *ReLU) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	return in.Clone(), nil
}

// limits returns the arguments in float32: the cap (+Inf for none), the
// slope and the threshold.
func (l *ReLU) limits() (top, slope, t float32) {
	top = float32(math.Inf(1))
	if l.MaxValue != nil {
		top = float32(*l.MaxValue)
	}
	return top, float32(l.NegativeSlope), float32(l.Threshold)
}

// Forward: y = f(x), same shape. slope * (x - threshold) rounds as
// Keras' -(slope * (threshold - x)) does (negation is exact); a zero
// slope gives +0.
func (l *ReLU) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.x = x
	l.y = ensureBatch(l.y, n, l.in)
	top, slope, t := l.limits()
	y := l.y.Data[:len(x.Data)]
	for i, v := range x.Data {
		switch {
		case v > t:
			y[i] = min(v, top)
		case v != v:
			y[i] = v // NaN stays visible to the diagnosis
		case slope != 0:
			y[i] = slope * (v - t)
		default:
			y[i] = 0
		}
	}
	return l.y
}

// Backward: dx = f'(x) * dy, computed in place in dy.
func (l *ReLU) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	top, slope, t := l.limits()
	d := dy.Data[:len(l.x.Data)]
	for i, v := range l.x.Data {
		switch {
		case v > t && v < top:
		case v > t:
			d[i] = 0
		default:
			d[i] *= slope
		}
	}
	return dy
}
