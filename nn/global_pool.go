package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("GlobalAveragePooling2D", layerKind{
		make: func(LayerSpec) (Layer, error) { return &GlobalAveragePooling2D{}, nil },
	})
}

// GlobalAveragePooling2D is Keras' GlobalAveragePooling2D:
// (N, H, W, C) -> (N, C), the mean over all positions.
type GlobalAveragePooling2D struct {
	named
	in    tensor.Shape
	y, dx *tensor.Tensor
	acc   []float64 // Forward's sums, c per sample (each chunk's samples their own)
}

func (l *GlobalAveragePooling2D) Type() string     { return "GlobalAveragePooling2D" }
func (l *GlobalAveragePooling2D) Params() []*Param { return nil }

func (l *GlobalAveragePooling2D) plan(in tensor.Shape) (footprint, error) {
	if len(in) != 3 {
		return footprint{}, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	return footprint{out: tensor.Shape{in[2]}, buffers: float64(in[2]) + values(in)}, nil // y, dx
}

func (l *GlobalAveragePooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	return tensor.Shape{in[2]}, nil
}

// Forward: x (N, H, W, C) -> y (N, C). Each sample's positions are
// summed in float64 in position order (kernels.SumRows64, vectorized
// across channels), samples in parallel, each in its own c values of acc
// (a buffer made per chunk was 1.3 MB of garbage per mobilenet-v2-small
// inference call at batch 256: a chunk per micro-batch).
func (l *GlobalAveragePooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	c, hw := l.in[2], l.in[0]*l.in[1]
	l.y = ensureBatch(l.y, n, tensor.Shape{c})
	if cap(l.acc) < n*c {
		l.acc = make([]float64, n*c)
	}
	kernels.ForEachChunk(n, max(1, elementwiseGrain/(hw*c)), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			acc := l.acc[b*c : (b+1)*c]
			clear(acc)
			kernels.SumRows64(acc, x.Data[b*hw*c:(b+1)*hw*c])
			for j := range acc {
				l.y.Data[b*c+j] = float32(acc[j] / float64(hw))
			}
		}
	})
	return l.y
}

// Backward: dy (N, C) -> dx (N, H, W, C) = dy / (H*W) everywhere.
func (l *GlobalAveragePooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	n := dy.Shape[0]
	c, hw := l.in[2], l.in[0]*l.in[1]
	l.dx = ensureBatch(l.dx, n, l.in)
	inv := 1 / float32(hw)
	kernels.ForEachChunk(n, max(1, elementwiseGrain/(hw*c)), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			o := l.dx.Data[b*hw*c : (b+1)*hw*c]
			for j, v := range dy.Data[b*c : (b+1)*c] {
				o[j] = v * inv
			}
			fillRows(o, o[:c])
		}
	})
	return l.dx
}
