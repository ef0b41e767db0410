package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Dropout", layerKind{
		fields:   []string{"rate"},
		make:     func(s LayerSpec) (Layer, error) { return &Dropout{Rate: s.Rate}, nil },
		describe: func(l Layer, s *LayerSpec) { s.Rate = l.(*Dropout).Rate },
	})
}

// Dropout is Keras' Dropout: in training, each element is zeroed with
// probability Rate and the survivors are scaled by 1/(1-Rate) (inverted
// dropout), so inference is the identity.
type Dropout struct {
	named
	Rate float64 // in [0, 1)

	in   tensor.Shape
	src  *rand.PCG
	rng  *rand.Rand
	mask []float32 // 0 or 1/(1-Rate) per element of the last training batch
	y    *tensor.Tensor
	dx   *tensor.Tensor
	on   bool // the last Forward dropped units
}

func (l *Dropout) Type() string     { return "Dropout" }
func (l *Dropout) Params() []*Param { return nil }

// validate checks the rate (NaN included).
func (l *Dropout) validate() error {
	if !(l.Rate >= 0 && l.Rate < 1) {
		return fmt.Errorf("rate must be in [0, 1), got %g", l.Rate)
	}
	return nil
}

func (l *Dropout) plan(in tensor.Shape) (footprint, error) {
	return footprint{out: in.Clone(), buffers: 3 * values(in)}, l.validate() // mask, y, dx
}

func (l *Dropout) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	l.src = rand.NewPCG(rng.Uint64(), rng.Uint64())
	l.rng = rand.New(l.src)
	return in.Clone(), nil
}

// RNG exposes the layer's random source so a checkpoint can save and
// restore it (rand.PCG implements encoding.BinaryMarshaler).
func (l *Dropout) RNG() *rand.PCG { return l.src }

// Forward: y = x * mask in training, y = x otherwise.
func (l *Dropout) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.on = training && l.Rate > 0
	if !l.on {
		return x
	}
	l.y = ensureBatch(l.y, n, l.in)
	if cap(l.mask) < len(x.Data) {
		l.mask = make([]float32, len(x.Data))
	}
	l.mask = l.mask[:len(x.Data)]
	keep := float32(1 / (1 - l.Rate))
	rate := float32(l.Rate)
	for i, v := range x.Data {
		m := float32(0)
		if l.rng.Float32() >= rate {
			m = keep
		}
		l.mask[i] = m
		l.y.Data[i] = v * m
	}
	return l.y
}

// Backward: dx = dy * mask (the same mask as Forward).
func (l *Dropout) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	if !l.on {
		return dy
	}
	l.dx = ensureBatch(l.dx, dy.Shape[0], l.in)
	for i, d := range dy.Data {
		l.dx.Data[i] = d * l.mask[i]
	}
	return l.dx
}
