package onnx

import (
	"fmt"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// layer emits one cnnscope layer called on ins; out is the node's
// per-sample output shape as cnnscope built it.
func (b *builder) layer(l nn.Layer, ins []value, out []int) (value, error) {
	name := l.Name()
	x := ins[0]
	switch l := l.(type) {
	case *nn.Conv2D:
		k := param(l, "kernel")
		y := b.conv(name, x, out, hwioToOIHW(k), 1, l.KernelSize, l.Strides, l.Padding, optParam(l, "bias"))
		return b.activation(l.Activation, y, name+"_act")
	case *nn.DepthwiseConv2D:
		k := param(l, "kernel")
		y := b.conv(name, x, out, depthwiseToOIHW(k), k.Shape[2], l.KernelSize, l.Strides, l.Padding, optParam(l, "bias"))
		return b.activation(l.Activation, y, name+"_act")
	case *nn.SeparableConv2D:
		return b.separable(l, x, out)
	case *nn.Dense:
		return b.dense(l, x, out)
	case *nn.BatchNormalization:
		return b.batchNorm(l, x)
	case *nn.MaxPooling2D:
		return b.pool("MaxPool", name, x, out, l.PoolSize, l.Strides, l.Padding), nil
	case *nn.AveragePooling2D:
		return b.pool("AveragePool", name, x, out, l.PoolSize, l.Strides, l.Padding), nil
	case *nn.GlobalAveragePooling2D:
		return b.globalPool("GlobalAveragePool", name, x, out)
	case *nn.GlobalMaxPooling2D:
		return b.globalPool("GlobalMaxPool", name, x, out)
	case *nn.Flatten:
		return value{name: b.node("Flatten", name, []string{b.keras(x)}, intAttr("axis", 1)), shape: out}, nil
	case *nn.Reshape:
		return value{name: b.node("Reshape", name, []string{b.keras(x), b.ints(name+"_shape", batchShape(out)...)}), shape: out}, nil
	case *nn.Dropout:
		return x, nil // inference: the identity
	case *nn.Activation:
		return b.activation(l.Function, x, name)
	case *nn.ReLU:
		return b.relu(l, x), nil
	case *nn.Rescaling:
		y := b.node("Mul", name+"_scale", []string{x.name, b.scalar(name+"_factor", float32(l.Scale))})
		if l.Offset != 0 {
			y = b.node("Add", name, []string{y, b.scalar(name+"_offset", float32(l.Offset))})
		}
		return value{name: y, shape: out, nchw: x.nchw}, nil
	case *nn.ZeroPadding2D:
		p := l.Padding // top, bottom, left, right
		pads := b.ints(name+"_pads", 0, 0, int64(p[0]), int64(p[2]), 0, 0, int64(p[1]), int64(p[3]))
		return value{name: b.node("Pad", name, []string{b.channelsFirst(x), pads}), shape: out, nchw: x.image()}, nil
	case *nn.Add:
		return b.merge("Add", name, ins, out), nil
	case *nn.Multiply:
		return b.merge("Mul", name, ins, out), nil
	case *nn.Concatenate:
		return b.concat(l, ins, out)
	}
	return value{}, fmt.Errorf("layer %s (%s) has no ONNX form here", name, l.Type())
}

// param returns l's weight called name; the layer must have it.
func param(l nn.Layer, name string) *tensor.Tensor {
	if t := optParam(l, name); t != nil {
		return t
	}
	panic("onnx: " + l.Type() + " " + l.Name() + " has no " + name)
}

// optParam returns l's weight called name, or nil.
func optParam(l nn.Layer, name string) *tensor.Tensor {
	for _, p := range l.Params() {
		if p.Name == name {
			return p.Value
		}
	}
	return nil
}

// batchShape is a per-sample shape with a -1 batch in front.
func batchShape(s []int) []int64 {
	d := []int64{-1}
	for _, v := range s {
		d = append(d, int64(v))
	}
	return d
}

func dims64(s ...int) []int64 {
	d := make([]int64, len(s))
	for i, v := range s {
		d[i] = int64(v)
	}
	return d
}

// kernelTensor is a convolution kernel in ONNX's (out, in/group, kh, kw).
type kernelTensor struct {
	dims []int64
	data []float32
}

// hwioToOIHW reorders a Keras Conv2D kernel (kh, kw, in, out).
func hwioToOIHW(k *tensor.Tensor) kernelTensor {
	kh, kw, ci, co := k.Shape[0], k.Shape[1], k.Shape[2], k.Shape[3]
	w := make([]float32, len(k.Data))
	for h := range kh {
		for x := range kw {
			for i := range ci {
				for o := range co {
					w[((o*ci+i)*kh+h)*kw+x] = k.Data[((h*kw+x)*ci+i)*co+o]
				}
			}
		}
	}
	return kernelTensor{dims64(co, ci, kh, kw), w}
}

// depthwiseToOIHW reorders a Keras depthwise kernel (kh, kw, C, M): output
// channel c*M+j is input channel c's j-th filter, one input per group.
func depthwiseToOIHW(k *tensor.Tensor) kernelTensor {
	kh, kw, c, m := k.Shape[0], k.Shape[1], k.Shape[2], k.Shape[3]
	w := make([]float32, len(k.Data))
	for h := range kh {
		for x := range kw {
			for ci := range c {
				for j := range m {
					w[((ci*m+j)*kh+h)*kw+x] = k.Data[((h*kw+x)*c+ci)*m+j]
				}
			}
		}
	}
	return kernelTensor{dims64(c*m, 1, kh, kw), w}
}

// orDefault returns v, or def when v is the zero value.
func orDefault(v, def [2]int) [2]int {
	if v == ([2]int{}) {
		return def
	}
	return v
}

// windowAttrs are the kernel_shape, strides and pads of a Keras window
// over an (h, w) input: "same" puts the odd pixel at the end, as Keras.
func windowAttrs(in []int, k, s [2]int, padding string) []Attr {
	pads := make([]int64, 4)
	if strings.EqualFold(padding, "same") {
		for i := range 2 {
			out := (in[i] + s[i] - 1) / s[i]
			total := max((out-1)*s[i]+k[i]-in[i], 0)
			pads[i], pads[i+2] = int64(total/2), int64(total-total/2)
		}
	}
	return []Attr{intsAttr("kernel_shape", int64(k[0]), int64(k[1])), intsAttr("strides", int64(s[0]), int64(s[1])), intsAttr("pads", pads...)}
}

func (b *builder) conv(name string, x value, out []int, w kernelTensor, group int, k, s [2]int, padding string, bias *tensor.Tensor) value {
	ins := []string{b.channelsFirst(x), b.floats(name+"_weight", w.dims, w.data)}
	if bias != nil {
		ins = append(ins, b.floats(name+"_bias", dims64(bias.Shape...), bias.Data))
	}
	attrs := append(windowAttrs(x.shape, k, orDefault(s, [2]int{1, 1}), padding), intAttr("group", int64(group)))
	return value{name: b.node("Conv", name, ins, attrs...), shape: out, nchw: true}
}

func (b *builder) separable(l *nn.SeparableConv2D, x value, out []int) (value, error) {
	name := l.Name()
	dk := param(l, "depthwise_kernel")
	mid := []int{out[0], out[1], dk.Shape[2] * dk.Shape[3]}
	d := b.conv(name+"_depthwise", x, mid, depthwiseToOIHW(dk), dk.Shape[2], l.KernelSize, l.Strides, l.Padding, nil)
	y := b.conv(name, d, out, hwioToOIHW(param(l, "pointwise_kernel")), 1, [2]int{1, 1}, [2]int{1, 1}, "valid", optParam(l, "bias"))
	return b.activation(l.Activation, y, name+"_act")
}

func (b *builder) dense(l *nn.Dense, x value, out []int) (value, error) {
	name := l.Name()
	k := param(l, "kernel")
	w := b.floats(name+"_kernel", dims64(k.Shape...), k.Data)
	bias := optParam(l, "bias")
	var y string
	if len(x.shape) == 1 {
		ins := []string{x.name, w}
		if bias != nil {
			ins = append(ins, b.floats(name+"_bias", dims64(bias.Shape...), bias.Data))
		}
		y = b.node("Gemm", name, ins)
	} else {
		y = b.node("MatMul", name+"_matmul", []string{b.keras(x), w})
		if bias != nil {
			y = b.node("Add", name, []string{y, b.floats(name+"_bias", dims64(bias.Shape...), bias.Data)})
		}
	}
	return b.activation(l.Activation, value{name: y, shape: out}, name+"_act")
}

func (b *builder) batchNorm(l *nn.BatchNormalization, x value) (value, error) {
	name := l.Name()
	if len(x.shape) != 1 && len(x.shape) != 3 {
		return value{}, fmt.Errorf("layer %s (BatchNormalization) on a %v input: only images and vectors have an ONNX form here", name, x.shape)
	}
	mean, variance := param(l, "moving_mean"), param(l, "moving_variance")
	c := len(mean.Data)
	gamma, beta := filled(c, 1), filled(c, 0)
	if g := optParam(l, "gamma"); g != nil {
		gamma = g.Data
	}
	if bt := optParam(l, "beta"); bt != nil {
		beta = bt.Data
	}
	dim := []int64{int64(c)}
	eps := l.Epsilon
	if eps == 0 {
		eps = 1e-3
	}
	ins := []string{b.channelsFirst(x), b.floats(name+"_gamma", dim, gamma), b.floats(name+"_beta", dim, beta),
		b.floats(name+"_moving_mean", dim, mean.Data), b.floats(name+"_moving_variance", dim, variance.Data)}
	y := b.node("BatchNormalization", name, ins, floatAttr("epsilon", float32(eps)))
	return value{name: y, shape: x.shape, nchw: x.image()}, nil
}

func filled(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func (b *builder) pool(op, name string, x value, out []int, size, strides [2]int, padding string) value {
	k := orDefault(size, [2]int{2, 2})
	attrs := windowAttrs(x.shape, k, orDefault(strides, k), padding)
	return value{name: b.node(op, name, []string{b.channelsFirst(x)}, attrs...), shape: out, nchw: true}
}

func (b *builder) globalPool(op, name string, x value, out []int) (value, error) {
	if !x.image() {
		return value{}, fmt.Errorf("layer %s on a %v input: want (height, width, channels)", name, x.shape)
	}
	p := b.node(op, name+"_pool", []string{b.channelsFirst(x)})
	return value{name: b.node("Flatten", name, []string{p}, intAttr("axis", 1)), shape: out}, nil
}

// sameLayout returns the inputs' tensors in one layout: NCHW when any of
// them is already, channels-last otherwise.
func (b *builder) sameLayout(ins []value) ([]string, bool) {
	nchw := false
	for _, v := range ins {
		nchw = nchw || v.nchw
	}
	names := make([]string, len(ins))
	for i, v := range ins {
		if nchw {
			names[i] = b.channelsFirst(v)
		} else {
			names[i] = b.keras(v)
		}
	}
	return names, nchw
}

// merge chains a binary broadcasting op over the inputs.
func (b *builder) merge(op, name string, ins []value, out []int) value {
	names, nchw := b.sameLayout(ins)
	y := names[0]
	for i, n := range names[1:] {
		base := name
		if i < len(names)-2 {
			base = fmt.Sprintf("%s_%d", name, i)
		}
		y = b.node(op, base, []string{y, n})
	}
	return value{name: y, shape: out, nchw: nchw}
}

func (b *builder) concat(l *nn.Concatenate, ins []value, out []int) (value, error) {
	rank := len(out)
	a := l.Axis - 1
	if l.Axis <= 0 {
		a = rank + l.Axis
		if l.Axis == 0 {
			a = rank - 1
		}
	}
	names, nchw := b.sameLayout(ins)
	axis := int64(a + 1)
	if nchw {
		axis = []int64{2, 3, 1}[a]
	}
	return value{name: b.node("Concat", l.Name(), names, intAttr("axis", axis)), shape: out, nchw: nchw}, nil
}
