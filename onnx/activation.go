package onnx

import (
	"fmt"
	"math"
)

// activation applies a Keras activation function to v; elementwise
// functions keep v's layout, softmax works on the channels-last axis.
func (b *builder) activation(fn string, v value, out string) (value, error) {
	x := v.name
	same := func(name string) (value, error) { return value{name: name, shape: v.shape, nchw: v.nchw}, nil }
	switch fn {
	case "", "linear":
		return v, nil
	case "relu":
		return same(b.node("Relu", out, []string{x}))
	case "sigmoid":
		return same(b.node("Sigmoid", out, []string{x}))
	case "tanh":
		return same(b.node("Tanh", out, []string{x}))
	case "softmax":
		y := b.node("Softmax", out, []string{b.keras(v)}, intAttr("axis", -1))
		return value{name: y, shape: v.shape}, nil
	case "leaky_relu":
		return same(b.node("LeakyRelu", out, []string{x}, floatAttr("alpha", 0.2)))
	case "elu":
		return same(b.node("Elu", out, []string{x}, floatAttr("alpha", 1)))
	case "selu":
		return same(b.node("Selu", out, []string{x}, floatAttr("alpha", 1.6732632423543772848170429916717),
			floatAttr("gamma", 1.0507009873554804934193349852946)))
	case "gelu":
		return same(b.gelu(x, out))
	case "relu6":
		return same(b.node("Clip", out, []string{x, b.scalar(out+"_min", 0), b.scalar(out+"_max", 6)}))
	case "hard_sigmoid":
		return same(b.hardSigmoid(x, out))
	case "hard_silu", "hard_swish":
		if b.opset >= 14 {
			return same(b.node("HardSwish", out, []string{x}))
		}
		return same(b.node("Mul", out, []string{x, b.hardSigmoid(x, out+"_gate")}))
	case "silu", "swish":
		return same(b.node("Mul", out, []string{x, b.node("Sigmoid", out+"_gate", []string{x})}))
	}
	return value{}, fmt.Errorf("activation %q has no ONNX form here", fn)
}

// hardSigmoid is Keras 3's relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1).
func (b *builder) hardSigmoid(x, out string) string {
	return b.node("HardSigmoid", out, []string{x}, floatAttr("alpha", 1.0/6), floatAttr("beta", 0.5))
}

// gelu is the exact (erf) GELU: ONNX's Gelu from opset 20, spelled out
// before.
func (b *builder) gelu(x, out string) string {
	if b.opset >= 20 {
		return b.node("Gelu", out, []string{x})
	}
	e := b.node("Erf", out+"_erf", []string{b.node("Div", out+"_scaled", []string{x, b.scalar(out+"_sqrt2", math.Sqrt2)})})
	one := b.node("Add", out+"_cdf2", []string{e, b.scalar(out+"_one", 1)})
	half := b.node("Mul", out+"_half", []string{x, b.scalar(out+"_onehalf", 0.5)})
	return b.node("Mul", out, []string{half, one})
}
