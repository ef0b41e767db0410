package onnx

import "github.com/cnnscope/cnnscope/nn"

// relu writes Keras' ReLU layer: Relu, Clip or LeakyRelu where one of them
// computes the same, otherwise
// Where(x > threshold, Min(x, max_value), (x - threshold) * negative_slope).
func (b *builder) relu(l *nn.ReLU, v value) value {
	name, x := l.Name(), v.name
	same := func(y string) value { return value{name: y, shape: v.shape, nchw: v.nchw} }
	t, slope := float32(l.Threshold), float32(l.NegativeSlope)
	switch {
	case t == 0 && slope == 0 && l.MaxValue == nil:
		return same(b.node("Relu", name, []string{x}))
	case t == 0 && slope == 0:
		return same(b.node("Clip", name, []string{x, b.scalar(name+"_min", 0), b.scalar(name+"_max", float32(*l.MaxValue))}))
	case t == 0 && l.MaxValue == nil:
		return same(b.node("LeakyRelu", name, []string{x}, floatAttr("alpha", slope)))
	}
	above := x
	if l.MaxValue != nil {
		above = b.node("Min", name+"_capped", []string{x, b.scalar(name+"_max", float32(*l.MaxValue))})
	}
	th := b.scalar(name+"_threshold", t)
	below := b.node("Mul", name+"_below", []string{b.node("Sub", name+"_shifted", []string{x, th}), b.scalar(name+"_slope", slope)})
	return same(b.node("Where", name, []string{b.node("Greater", name+"_above", []string{x, th}), above, below}))
}
