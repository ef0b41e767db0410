package onnx

import (
	"fmt"

	"github.com/cnnscope/cnnscope/nn"
)

// fold computes nodes whose output is a constant: Constant, Shape (of a
// computed tensor: its dimensions, with batchDim for the batch), and
// Cast, Identity, Slice and Concat of constants, as exporters spell
// "flatten" (Shape -> Slice -> Concat -> Reshape).
func (im *importer) fold(n *Node) (bool, error) {
	out := n.Outputs[0]
	switch n.Op {
	case "Constant":
		t, err := constantValue(n)
		if err == nil {
			t.Name = out
			im.consts[out] = t
		}
		return true, err
	case "Shape":
		v, err := im.value(n.Inputs[0])
		if err != nil {
			return true, err
		}
		d := []int64{batchDim}
		for _, x := range v.dims {
			d = append(d, int64(x))
		}
		im.consts[out] = &Tensor{Name: out, DataType: typeInt64, Dims: []int64{int64(len(d))}, Ints: d}
		return true, nil
	}
	for _, in := range n.Inputs {
		if in != "" && im.constant(in) == nil {
			return false, nil
		}
	}
	var t *Tensor
	var err error
	switch n.Op {
	case "Identity":
		t = im.constant(n.Inputs[0])
	case "Cast":
		t, err = castConst(im.constant(n.Inputs[0]), getInt(n, "to", 0))
	case "Slice":
		t, err = im.sliceConst(n)
	case "Concat":
		t = &Tensor{DataType: typeInt64}
		for _, in := range n.Inputs {
			c := im.constant(in)
			if c.DataType == typeFloat || len(c.Dims) != 1 {
				return true, fmt.Errorf("concatenating constants: only 1-D integer vectors")
			}
			t.Ints = append(t.Ints, c.Ints...)
		}
		t.Dims = []int64{int64(len(t.Ints))}
	default:
		return false, nil
	}
	if err == nil {
		c := *t
		c.Name = out
		im.consts[out] = &c
	}
	return true, err
}

// constantValue reads a Constant node's value.
func constantValue(n *Node) (*Tensor, error) {
	for _, a := range n.Attrs {
		switch a.Name {
		case "value":
			if a.T == nil {
				return nil, fmt.Errorf("value is not a tensor")
			}
			return a.T, nil
		case "value_float":
			return &Tensor{DataType: typeFloat, Floats: []float32{a.F}}, nil
		case "value_floats":
			return &Tensor{DataType: typeFloat, Dims: []int64{int64(len(a.Floats))}, Floats: a.Floats}, nil
		case "value_int":
			return &Tensor{DataType: typeInt64, Ints: []int64{a.I}}, nil
		case "value_ints":
			return &Tensor{DataType: typeInt64, Dims: []int64{int64(len(a.Ints))}, Ints: a.Ints}, nil
		}
	}
	return nil, fmt.Errorf("no value of a supported kind")
}

// castConst converts a constant to float or to integers.
func castConst(t *Tensor, to int64) (*Tensor, error) {
	c := &Tensor{Dims: t.Dims}
	switch to {
	case typeFloat, typeDouble:
		c.DataType, c.Floats = typeFloat, floatsOf(t)
	case typeInt32, typeInt64:
		c.DataType = typeInt64
		c.Ints = t.Ints
		if t.DataType == typeFloat || t.DataType == typeDouble {
			c.Ints = make([]int64, len(t.Floats))
			for i, f := range t.Floats {
				c.Ints[i] = int64(f)
			}
		}
	default:
		return nil, fmt.Errorf("cast to type %d is not supported", to)
	}
	return c, nil
}

// sliceConst slices a 1-D integer constant (starts/ends as attributes
// before opset 10, as inputs from it).
func (im *importer) sliceConst(n *Node) (*Tensor, error) {
	t := im.constant(n.Inputs[0])
	starts, ends, axes := getInts(n, "starts"), getInts(n, "ends"), getInts(n, "axes")
	steps := []int64{1}
	for i, p := range []*[]int64{&starts, &ends, &axes, &steps} {
		if len(n.Inputs) > i+1 && n.Inputs[i+1] != "" {
			*p = im.constant(n.Inputs[i+1]).Ints
		}
	}
	if len(t.Dims) != 1 || t.DataType == typeFloat || len(starts) != 1 || len(ends) != 1 ||
		(len(axes) > 0 && axes[0] != 0) || len(steps) != 1 || steps[0] != 1 {
		return nil, fmt.Errorf("slicing constants: only one range of a 1-D integer vector")
	}
	size := int64(len(t.Ints))
	clamp := func(i int64) int64 {
		if i < 0 {
			i += size
		}
		return min(max(i, 0), size)
	}
	s, e := clamp(starts[0]), clamp(ends[0])
	c := &Tensor{DataType: typeInt64, Ints: append([]int64(nil), t.Ints[s:max(s, e)]...)}
	c.Dims = []int64{int64(len(c.Ints))}
	return c, nil
}

// dense: Gemm or MatMul by a constant is a Dense (a MatMul's bias comes
// from the Add after it).
func (im *importer) dense(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	b := im.constant(n.Inputs[1])
	if b == nil || len(b.Dims) != 2 {
		return fmt.Errorf("the weights are not a 2-D constant")
	}
	if len(v.dims) != 1 && !(len(v.dims) == 3 && v.nhwc) {
		return fmt.Errorf("input of shape %v: want vectors (or channels-last images)", v.dims)
	}
	in, units := int(b.Dims[0]), int(b.Dims[1])
	kernel := floatsOf(b)
	if n.Op == "Gemm" {
		if getInt(n, "transA", 0) != 0 || getFloat(n, "alpha", 1) != 1 || getFloat(n, "beta", 1) != 1 {
			return fmt.Errorf("only transA = 0, alpha = beta = 1")
		}
		if getInt(n, "transB", 0) != 0 {
			in, units = units, in
			kernel = transposed(kernel, units, in)
		}
	}
	if v.dims[len(v.dims)-1] != in {
		return fmt.Errorf("weights %v for %d inputs", b.Dims, v.dims[len(v.dims)-1])
	}
	l := &nn.Dense{Units: units}
	im.setWeights(l, "kernel", kernel)
	out := ival{dims: append(append([]int(nil), v.dims[:len(v.dims)-1]...), units), nhwc: v.nhwc}
	if n.Op == "Gemm" && len(n.Inputs) > 2 && n.Inputs[2] != "" {
		c := im.constant(n.Inputs[2])
		if c == nil || len(floatsOf(c)) != units {
			return fmt.Errorf("C %q: want a constant of %d values", n.Inputs[2], units)
		}
		im.setWeights(l, "bias", floatsOf(c))
	} else if n.Op == "MatMul" {
		out.dense = l
	}
	im.call(n.Outputs[0], l, out, v)
	return nil
}

// transposed returns the (cols, rows) transpose of a rows x cols matrix.
func transposed(m []float32, rows, cols int) []float32 {
	t := make([]float32, len(m))
	for r := range rows {
		for c := range cols {
			t[c*rows+r] = m[r*cols+c]
		}
	}
	return t
}

// reshape handles Flatten(axis 1) and Reshape where ONNX's (channels
// first) and cnnscope's (channels last) element orders agree: to vectors
// from vectors, channels-last images or images with 1x1 pixels or one
// channel; to (C, 1, 1) or (1, 1, C) images.
func (im *importer) reshape(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	size := 1
	for _, d := range v.dims {
		size *= d
	}
	var target []int
	if n.Op == "Flatten" {
		if a := getInt(n, "axis", 1); a != 1 {
			return fmt.Errorf("flatten from axis %d: only 1", a)
		}
		target = []int{size}
	} else if target, err = im.reshapeTarget(n, v, size); err != nil {
		return err
	}
	agrees := len(v.dims) == 1 || v.nhwc || v.dims[1]*v.dims[2] == 1 || v.dims[0] == 1
	switch {
	case len(target) == 1 && len(v.dims) == 1:
		im.vals[n.Outputs[0]] = v
	case len(target) == 1 && agrees:
		im.call(n.Outputs[0], &nn.Flatten{}, ival{dims: target}, v)
	case len(target) == 3 && agrees && target[1]*target[2] == 1: // (C, 1, 1), NCHW
		im.call(n.Outputs[0], &nn.Reshape{TargetShape: []int{1, 1, target[0]}}, ival{dims: target}, v)
	case len(target) == 3 && agrees && target[0]*target[1] == 1: // (1, 1, C), channels last
		im.call(n.Outputs[0], &nn.Reshape{TargetShape: target}, ival{dims: target, nhwc: true}, v)
	default:
		return fmt.Errorf("reshape of %v to %v changes the element order between NCHW and cnnscope's NHWC", v.dims, target)
	}
	return nil
}

// reshapeTarget resolves a Reshape's shape input (batch first; 0 copies,
// -1 infers) to per-sample dimensions.
func (im *importer) reshapeTarget(n *Node, v ival, size int) ([]int, error) {
	c := im.constant(n.Inputs[1])
	if c == nil || len(c.Ints) < 2 {
		return nil, fmt.Errorf("shape %q is not a constant of the batch and at least one more dimension", n.Inputs[1])
	}
	if b := c.Ints[0]; b != batchDim && b != -1 && b != 0 {
		return nil, fmt.Errorf("shape %v does not keep the batch", c.Ints)
	}
	target, infer, known := make([]int, len(c.Ints)-1), -1, 1
	for i, d := range c.Ints[1:] {
		switch {
		case d == 0 && i < len(v.dims):
			target[i] = v.dims[i]
		case d == -1 && infer < 0 && c.Ints[0] != -1:
			infer = i
			continue
		case d <= 0:
			return nil, fmt.Errorf("shape %v: dimension %d", c.Ints, d)
		default:
			target[i] = int(d)
		}
		known *= target[i]
	}
	if infer >= 0 {
		target[infer] = size / known
		known *= target[infer]
	}
	if known != size {
		return nil, fmt.Errorf("shape %v does not hold %d values per sample", c.Ints, size)
	}
	return target, nil
}

// transpose only moves images between NCHW and channels-last (cnnscope
// holds both as NHWC, so no layer is needed).
func (im *importer) transpose(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	perm := fmt.Sprint(getInts(n, "perm"))
	switch {
	case len(v.dims) == 3 && !v.nhwc && perm == "[0 2 3 1]":
		v.nhwc, v.dims = true, []int{v.dims[1], v.dims[2], v.dims[0]}
	case len(v.dims) == 3 && v.nhwc && perm == "[0 3 1 2]":
		v.nhwc, v.dims = false, []int{v.dims[2], v.dims[0], v.dims[1]}
	default:
		return fmt.Errorf("transpose %s of a %v tensor: only between NCHW and NHWC", perm, v.dims)
	}
	v.dense = nil
	im.vals[n.Outputs[0]] = v
	return nil
}
