package onnx

import (
	"fmt"
	"math"

	"github.com/cnnscope/cnnscope/nn"
)

// node turns one ONNX node into layer calls, or folds it into a constant.
func (im *importer) node(n *Node) error {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return fmt.Errorf("op domain %q is not supported", n.Domain)
	}
	if len(n.Outputs) == 0 {
		return fmt.Errorf("node has no output")
	}
	if len(n.Inputs) == 0 && n.Op != "Constant" {
		return fmt.Errorf("node has no input")
	}
	if folded, err := im.fold(n); folded || err != nil {
		return err
	}
	switch n.Op {
	case "Identity", "Cast", "Dropout":
		v, err := im.value(n.Inputs[0])
		im.vals[n.Outputs[0]] = v
		return err
	case "Conv":
		return im.conv(n)
	case "BatchNormalization":
		return im.batchNorm(n)
	case "Relu", "Sigmoid", "HardSwish", "Tanh":
		return im.activation(n, map[string]string{"Relu": "relu", "Sigmoid": "sigmoid", "HardSwish": "hard_swish", "Tanh": "tanh"}[n.Op])
	case "Softmax":
		return im.softmax(n)
	case "Clip":
		return im.clip(n)
	case "HardSigmoid":
		return im.hardSigmoid(n)
	case "Add", "Mul", "Sub", "Div":
		return im.arith(n)
	case "Concat":
		return im.concat(n)
	case "GlobalAveragePool", "GlobalMaxPool":
		return im.globalPool(n)
	case "MaxPool", "AveragePool":
		return im.pool(n)
	case "Gemm", "MatMul":
		return im.dense(n)
	case "Flatten", "Reshape":
		return im.reshape(n)
	case "Transpose":
		return im.transpose(n)
	case "Pad":
		return im.pad(n)
	}
	return fmt.Errorf("op %s is not supported", n.Op)
}

func (im *importer) activation(n *Node, fn string) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	im.call(n.Outputs[0], &nn.Activation{Function: fn}, v, v)
	return nil
}

func (im *importer) softmax(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	rank := len(v.dims) + 1
	def := int64(1)
	if im.opset >= 13 {
		def = -1
	}
	axis := getInt(n, "axis", def)
	if axis < 0 {
		axis += int64(rank)
	}
	ok := (rank == 2 && axis == 1) || (rank == 4 && v.nhwc && axis == 3) ||
		(rank == 4 && !v.nhwc && axis == 1 && (im.opset >= 13 || v.dims[1]*v.dims[2] == 1))
	if !ok {
		return fmt.Errorf("softmax over axis %d of a rank-%d tensor: only over the classes or channels", axis, rank)
	}
	im.call(n.Outputs[0], &nn.Activation{Function: "softmax"}, v, v)
	return nil
}

// clip becomes relu6 (0, 6) or relu (0, no maximum).
func (im *importer) clip(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	lo, hi := getFloat(n, "min", float32(math.Inf(-1))), getFloat(n, "max", float32(math.Inf(1)))
	for i, p := range []*float32{&lo, &hi} {
		if len(n.Inputs) > i+1 && n.Inputs[i+1] != "" {
			c := im.constant(n.Inputs[i+1])
			s, ok := 0.0, c != nil
			if ok {
				s, ok = scalarOf(c)
			}
			if !ok {
				return fmt.Errorf("clip bound %q is not a constant scalar", n.Inputs[i+1])
			}
			*p = float32(s)
		}
	}
	switch {
	case lo == 0 && hi == 6:
		im.call(n.Outputs[0], &nn.Activation{Function: "relu6"}, v, v)
	case lo == 0 && isInf(hi):
		im.call(n.Outputs[0], &nn.Activation{Function: "relu"}, v, v)
	default:
		return fmt.Errorf("clip to [%g, %g]: only [0, 6] (relu6) and [0, inf) (relu)", lo, hi)
	}
	return nil
}

// hardSigmoid: ONNX's max(0, min(1, alpha*x + beta)) is Keras 3's
// hard_sigmoid(y) = relu6(y + 3)/6 of y = 6*alpha*x + 6*beta - 3.
func (im *importer) hardSigmoid(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	alpha, beta := float64(getFloat(n, "alpha", 0.2)), float64(getFloat(n, "beta", 0.5))
	scale, offset := 6*alpha, 6*beta-3
	if math.Abs(scale-1) > 1e-6 || math.Abs(offset) > 1e-6 {
		v = im.call(n.Outputs[0]+"/scaled", &nn.Rescaling{Scale: scale, Offset: offset}, v, v)
	}
	im.call(n.Outputs[0], &nn.Activation{Function: "hard_sigmoid"}, v, v)
	return nil
}

// arith: two computed tensors are Add or Multiply; a computed tensor and
// a constant scalar are a Rescaling; a MatMul's output plus a vector is
// its bias.
func (im *importer) arith(n *Node) error {
	if len(n.Inputs) != 2 {
		return fmt.Errorf("%d inputs, want 2", len(n.Inputs))
	}
	ca, cb := im.constant(n.Inputs[0]), im.constant(n.Inputs[1])
	switch {
	case ca == nil && cb == nil:
		return im.merge(n)
	case ca != nil && cb != nil:
		return fmt.Errorf("both inputs are constants")
	}
	x, c, constFirst := n.Inputs[0], cb, false
	if ca != nil {
		x, c, constFirst = n.Inputs[1], ca, true
	}
	v, err := im.value(x)
	if err != nil {
		return err
	}
	s, scalar := scalarOf(c)
	if !scalar {
		if im.uses[x] != 1 {
			v.dense = nil // a bias only for the MatMul's one consumer
		}
		return im.bias(n, v, c)
	}
	var r nn.Rescaling
	switch {
	case n.Op == "Add":
		r = nn.Rescaling{Scale: 1, Offset: s}
	case n.Op == "Mul":
		r = nn.Rescaling{Scale: s}
	case n.Op == "Sub" && !constFirst:
		r = nn.Rescaling{Scale: 1, Offset: -s}
	case n.Op == "Sub":
		r = nn.Rescaling{Scale: -1, Offset: s}
	case n.Op == "Div" && !constFirst && s != 0:
		r = nn.Rescaling{Scale: 1 / s}
	default:
		return fmt.Errorf("a constant divided by a tensor (or by 0) is not supported")
	}
	im.call(n.Outputs[0], &r, v, v)
	return nil
}

// bias sets the bias of the Dense a MatMul became.
func (im *importer) bias(n *Node, v ival, c *Tensor) error {
	f := floatsOf(c)
	if n.Op != "Add" || v.dense == nil || len(f) != v.dense.Units {
		return fmt.Errorf("%s with a %v constant: only scalars (or a bias after MatMul)", n.Op, c.Dims)
	}
	im.setWeights(v.dense, "bias", f)
	v.dense = nil
	im.vals[n.Outputs[0]] = v
	return nil
}

// merge adds or multiplies computed tensors of one layout and rank.
func (im *importer) merge(n *Node) error {
	if n.Op != "Add" && n.Op != "Mul" {
		return fmt.Errorf("%s of two computed tensors is not supported (only Add and Mul)", n.Op)
	}
	a, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	b, err := im.value(n.Inputs[1])
	if err != nil {
		return err
	}
	if len(a.dims) != len(b.dims) || (len(a.dims) == 3 && a.nhwc != b.nhwc) {
		return fmt.Errorf("inputs of shapes %v and %v: want the same rank and layout", a.dims, b.dims)
	}
	out := ival{dims: make([]int, len(a.dims)), nhwc: a.nhwc}
	for i := range a.dims {
		if a.dims[i] != b.dims[i] && a.dims[i] != 1 && b.dims[i] != 1 {
			return fmt.Errorf("inputs of shapes %v and %v do not broadcast", a.dims, b.dims)
		}
		out.dims[i] = max(a.dims[i], b.dims[i])
	}
	var l nn.Layer = &nn.Add{}
	if n.Op == "Mul" {
		l = &nn.Multiply{}
	}
	im.call(n.Outputs[0], l, out, a, b)
	return nil
}

func (im *importer) concat(n *Node) error {
	ins := make([]ival, len(n.Inputs))
	for i, name := range n.Inputs {
		v, err := im.value(name)
		if err != nil {
			return err
		}
		ins[i] = v
	}
	rank := len(ins[0].dims) + 1
	axis := getInt(n, "axis", 1)
	if axis < 0 {
		axis += int64(rank)
	}
	if axis <= 0 || axis >= int64(rank) {
		return fmt.Errorf("concatenation along axis %d of rank-%d tensors: not the batch", axis, rank)
	}
	out := ival{dims: append([]int(nil), ins[0].dims...), nhwc: ins[0].nhwc}
	out.dims[axis-1] = 0
	for _, v := range ins {
		if len(v.dims) != rank-1 || v.nhwc != out.nhwc {
			return fmt.Errorf("inputs of different rank or layout")
		}
		out.dims[axis-1] += v.dims[axis-1]
	}
	kerasAxis := int(axis) // counting the batch, as Keras does
	if rank == 4 && !out.nhwc {
		kerasAxis = []int{0, 3, 1, 2}[axis]
	}
	im.call(n.Outputs[0], &nn.Concatenate{Axis: kerasAxis}, out, ins...)
	return nil
}
