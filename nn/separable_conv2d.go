package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("SeparableConv2D", layerKind{
		fields: []string{"filters", "kernel_size", "strides", "padding", "depth_multiplier", "activation", "use_bias",
			"depthwise_initializer", "pointwise_initializer", "bias_initializer"},
		make: func(s LayerSpec) (Layer, error) {
			if len(s.KernelSize) == 0 {
				return nil, fmt.Errorf("SeparableConv2D needs kernel_size")
			}
			return &SeparableConv2D{Filters: s.Filters, KernelSize: s.KernelSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding),
				DepthMultiplier: s.DepthMultiplier, NoBias: noBias(s), Activation: s.Activation,
				DepthwiseInitializer: s.DepthwiseInit, PointwiseInitializer: s.PointwiseInit, BiasInitializer: s.BiasInitializer}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			d := l.(*SeparableConv2D)
			s.Filters, s.KernelSize, s.Strides, s.Padding = d.Filters, pairOf(d.KernelSize), pairOf(d.Strides), PaddingArg(d.Padding)
			s.DepthMultiplier, s.Activation, s.UseBias = d.DepthMultiplier, d.Activation, useBias(d.NoBias)
			s.DepthwiseInit, s.PointwiseInit, s.BiasInitializer = d.DepthwiseInitializer, d.PointwiseInitializer, d.BiasInitializer
		},
	})
}

// SeparableConv2D is Keras' SeparableConv2D: a depthwise convolution
// (depthwise_kernel (kh, kw, C, M), no bias) followed by a 1x1 convolution
// (pointwise_kernel (1, 1, C*M, filters)), the bias and the activation.
type SeparableConv2D struct {
	named
	Filters              int
	KernelSize           [2]int // required
	Strides              [2]int // zero value: (1, 1)
	Padding              string // "valid" (default) or "same"
	DepthMultiplier      int    // zero value: 1
	NoBias               bool   // Keras' use_bias=False
	Activation           string // "" = linear
	DepthwiseInitializer string // "" = glorot_uniform
	PointwiseInitializer string // "" = glorot_uniform
	BiasInitializer      string // "" = zeros

	dw      DepthwiseConv2D
	affine  // the pointwise step
	mid     tensor.Shape
	out     tensor.Shape
	y, dmid *tensor.Tensor
	a       []float32 // the depthwise output of the last Forward
}

func (l *SeparableConv2D) Type() string { return "SeparableConv2D" }

func (l *SeparableConv2D) Params() []*Param {
	return append([]*Param{l.dw.kernel}, l.affine.Params()...)
}

func (l *SeparableConv2D) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	if l.Filters <= 0 {
		return nil, fmt.Errorf("filters must be positive, got %d", l.Filters)
	}
	l.dw = DepthwiseConv2D{KernelSize: l.KernelSize, Strides: l.Strides, Padding: l.Padding, DepthMultiplier: l.DepthMultiplier,
		NoBias: true, DepthwiseInitializer: l.DepthwiseInitializer}
	l.dw.SetName(l.Name())
	mid, err := l.dw.Build(in, rng)
	if err != nil {
		return nil, err
	}
	l.dw.kernel.Name = "depthwise_kernel"
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	pinit, err := lookupInitializer(l.PointwiseInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	cm := mid[2]
	l.kernel = newParam("pointwise_kernel", true, 1, 1, cm, l.Filters)
	pinit(l.kernel.Value.Data, cm, l.Filters, rng)
	l.bias = nil
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, l.Filters)
		binit(l.bias.Value.Data, l.Filters, l.Filters, rng)
	}
	l.mid, l.out = mid, tensor.Shape{mid[0], mid[1], l.Filters}
	return l.out.Clone(), nil
}

// Forward: x (N, H, W, C) -> depthwise (N, OH, OW, C*M) -> y (N, OH, OW, F)
// = act(depthwise · pointwise + bias).
func (l *SeparableConv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	d := l.dw.Forward(x, training)
	n := d.Shape[0]
	l.a = d.Data
	l.y = ensureBatch(l.y, n, l.out)
	l.forward(d.Data, n*l.mid[0]*l.mid[1], l.mid[2], l.y)
	return l.y
}

// Backward: dy (N, OH, OW, F) -> dz; dpointwise = depthwiseᵀ·dz, dbias =
// Σ dz, ddepthwise_out = dz·pointwiseᵀ (N, OH, OW, C*M) -> the depthwise
// step's Backward.
func (l *SeparableConv2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	n := dy.Shape[0]
	l.dmid = ensureBatch(l.dmid, n, l.mid)
	l.backward(l.a, n*l.mid[0]*l.mid[1], l.mid[2], l.y, dy, l.dmid.Data)
	return l.dw.Backward(l.dmid, needDx)
}

// plan checks the config against the input and counts the weights and
// buffers of both steps without allocating (see footprint).
func (l *SeparableConv2D) plan(in tensor.Shape) (footprint, error) {
	if l.Filters <= 0 {
		return footprint{}, fmt.Errorf("filters must be positive, got %d", l.Filters)
	}
	dw := DepthwiseConv2D{KernelSize: l.KernelSize, Strides: l.Strides, Padding: l.Padding, DepthMultiplier: l.DepthMultiplier,
		NoBias: true, DepthwiseInitializer: l.DepthwiseInitializer}
	d, err := dw.plan(in)
	if err != nil {
		return footprint{}, err
	}
	if _, err := lookupActivation(l.Activation); err != nil {
		return footprint{}, err
	}
	if err := checkInitializers(l.PointwiseInitializer, l.BiasInitializer); err != nil {
		return footprint{}, err
	}
	out := tensor.Shape{d.out[0], d.out[1], l.Filters}
	fp := footprint{out: out, trainable: d.trainable + float64(d.out[2])*float64(l.Filters), buffers: d.buffers + 2*values(out) + values(d.out)}
	if !l.NoBias {
		fp.trainable += float64(l.Filters)
	}
	return fp, nil
}
