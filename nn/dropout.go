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

	in    tensor.Shape
	src   *rand.PCG
	mask  []uint64 // one bit per element of the last training batch: kept
	y     *tensor.Tensor
	on    bool     // the last Forward dropped units
	whole []uint64 // the whole batch's mask in a sharded step (dropout_shard.go)
	from  []uint64 // this shard's words of it, nil outside sharded steps
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
	return footprint{out: in.Clone(), buffers: values(in) * (1 + 1.0/32)}, l.validate() // y, mask bits (dx is dy)
}

func (l *Dropout) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	l.src = rand.NewPCG(rng.Uint64(), rng.Uint64())
	return in.Clone(), nil
}

// RNG exposes the layer's random source so a checkpoint can save and
// restore it (rand.PCG implements encoding.BinaryMarshaler).
func (l *Dropout) RNG() *rand.PCG { return l.src }

// Forward: y = x * mask in training, y = x otherwise; the mask is 0 or
// 1/(1-Rate), kept as one bit per element. Each training call takes one
// number from the layer's source and draws the mask from it in blocks
// (dropout_mask.go), so the mask does not depend on the thread count and
// the saved source (RNG) resumes it exactly.
func (l *Dropout) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	l.on = training && l.Rate > 0
	if !l.on {
		return x
	}
	l.y = ensureBatch(l.y, n, l.in)
	if l.from != nil { // a shard of the batch: its words of the whole batch's mask
		l.forwardShard(x.Data, l.y.Data)
		return l.y
	}
	words := (len(x.Data) + 63) / 64
	if cap(l.mask) < words {
		l.mask = make([]uint64, words)
	}
	l.mask = l.mask[:words]
	d := dropMask{seed: l.src.Uint64(), keep: l.keep(), thr: dropThreshold(l.Rate)}
	d.forward(x.Data, l.y.Data, l.mask)
	return l.y
}

// keep is the survivors' scale, 1/(1-Rate).
func (l *Dropout) keep() float32 { return float32(1 / (1 - l.Rate)) }

// Backward: dx = dy * mask (the same mask as Forward), written over dy.
func (l *Dropout) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	if !l.on {
		return dy
	}
	applyMask(dy.Data, dy.Data, l.mask, l.keep())
	return dy
}
