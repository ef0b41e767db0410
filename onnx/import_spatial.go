package onnx

import (
	"fmt"

	"github.com/cnnscope/cnnscope/nn"
)

// image returns the node's first input, which must be an NCHW image.
func (im *importer) image(n *Node) (ival, error) {
	v, err := im.value(n.Inputs[0])
	if err == nil && (len(v.dims) != 3 || v.nhwc) {
		err = fmt.Errorf("input %q of shape %v: want an NCHW image batch", n.Inputs[0], v.dims)
	}
	return v, err
}

// window resolves a Conv's or pool's kernel, strides and pads over an
// image of height h and width w: Keras' padding "valid" or "same" when
// the pads are those, or else explicit pads (top, bottom, left, right).
type window struct {
	k, s    [2]int
	padding string
	pads    [4]int // explicit, when padding is ""
	oh, ow  int
}

func (im *importer) window(n *Node, h, w int, k [2]int) (window, error) {
	for _, d := range getInts(n, "dilations") {
		if d != 1 {
			return window{}, fmt.Errorf("dilations %v are not supported", getInts(n, "dilations"))
		}
	}
	wd := window{k: k, s: [2]int{1, 1}}
	if s := getInts(n, "strides"); len(s) == 2 {
		wd.s = [2]int{int(s[0]), int(s[1])}
	}
	if c := getInt(n, "ceil_mode", 0); c != 0 {
		return window{}, fmt.Errorf("ceil_mode is not supported")
	}
	in := [2]int{h, w}
	var pads [4]int // top, left, bottom, right as ONNX lists them
	if p := getInts(n, "pads"); len(p) == 4 {
		pads = [4]int{int(p[0]), int(p[1]), int(p[2]), int(p[3])}
	}
	switch auto := ""; {
	case attr(n, "auto_pad") != nil:
		auto = attr(n, "auto_pad").S
		if auto == "SAME_UPPER" {
			wd.padding = "same"
		} else if auto == "VALID" {
			wd.padding = "valid"
		} else if auto != "NOTSET" {
			return window{}, fmt.Errorf("auto_pad %s is not supported", auto)
		}
	}
	if wd.padding == "" {
		same := true
		var out [2]int
		for i := range 2 {
			o := (in[i] + wd.s[i] - 1) / wd.s[i]
			total := max((o-1)*wd.s[i]+k[i]-in[i], 0)
			same = same && pads[i] == total/2 && pads[i+2] == total-total/2
			out[i] = o
		}
		switch {
		case pads == [4]int{}:
			wd.padding = "valid"
		case same:
			wd.padding = "same"
		default:
			wd.pads = [4]int{pads[0], pads[2], pads[1], pads[3]}
		}
	}
	for i, d := range in {
		if wd.padding == "same" {
			d = (d + wd.s[i] - 1) / wd.s[i]
		} else {
			d = (d+wd.pads[2*i]+wd.pads[2*i+1]-k[i])/wd.s[i] + 1
		}
		if i == 0 {
			wd.oh = d
		} else {
			wd.ow = d
		}
	}
	if wd.padding == "" {
		wd.padding = "valid"
	}
	return wd, nil
}

// explicit reports whether the window needs its own zero padding.
func (wd window) explicit() bool { return wd.pads != [4]int{} }

// padded adds a ZeroPadding2D before a window that needs one.
func (im *importer) padded(n *Node, v ival, wd window) ival {
	if !wd.explicit() {
		return v
	}
	out := ival{dims: []int{v.dims[0], v.dims[1] + wd.pads[0] + wd.pads[1], v.dims[2] + wd.pads[2] + wd.pads[3]}}
	return im.call(n.Outputs[0]+"/pad", &nn.ZeroPadding2D{Padding: wd.pads}, out, v)
}

func (im *importer) conv(n *Node) error {
	v, err := im.image(n)
	if err != nil {
		return err
	}
	if len(n.Inputs) < 2 || im.constant(n.Inputs[1]) == nil {
		return fmt.Errorf("the weights are not a constant")
	}
	wt := im.constant(n.Inputs[1])
	if len(wt.Dims) != 4 {
		return fmt.Errorf("weights of shape %v: want 4 dimensions", wt.Dims)
	}
	o, ci, kh, kw := int(wt.Dims[0]), int(wt.Dims[1]), int(wt.Dims[2]), int(wt.Dims[3])
	group := int(getInt(n, "group", 1))
	wd, err := im.window(n, v.dims[1], v.dims[2], [2]int{kh, kw})
	if err != nil {
		return err
	}
	v = im.padded(n, v, wd)
	k := &kernelTensor{dims: wt.Dims, data: floatsOf(wt)}
	var l nn.Layer
	var kernel []float32
	switch {
	case group == 1 && ci == v.dims[0]:
		l = &nn.Conv2D{Filters: o, KernelSize: [2]int{kh, kw}, Strides: wd.s, Padding: wd.padding}
		kernel = oihwToHWIO(k)
	case group == v.dims[0] && ci == 1 && o%group == 0:
		l = &nn.DepthwiseConv2D{KernelSize: [2]int{kh, kw}, Strides: wd.s, Padding: wd.padding, DepthMultiplier: o / group}
		kernel = oihwToDepthwise(k, group)
	default:
		return fmt.Errorf("group %d with %d input channels: only 1 or depthwise (one per channel)", group, v.dims[0])
	}
	im.setWeights(l, "kernel", kernel)
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		b := im.constant(n.Inputs[2])
		if b == nil {
			return fmt.Errorf("the bias is not a constant")
		}
		im.setWeights(l, "bias", floatsOf(b))
	} else {
		setNoBias(l)
	}
	im.call(n.Outputs[0], l, ival{dims: []int{o, wd.oh, wd.ow}}, v)
	return nil
}

func setNoBias(l nn.Layer) {
	switch l := l.(type) {
	case *nn.Conv2D:
		l.NoBias = true
	case *nn.DepthwiseConv2D:
		l.NoBias = true
	}
}

// oihwToHWIO is hwioToOIHW's inverse.
func oihwToHWIO(k *kernelTensor) []float32 {
	co, ci, kh, kw := int(k.dims[0]), int(k.dims[1]), int(k.dims[2]), int(k.dims[3])
	w := make([]float32, len(k.data))
	for o := range co {
		for i := range ci {
			for h := range kh {
				for x := range kw {
					w[((h*kw+x)*ci+i)*co+o] = k.data[((o*ci+i)*kh+h)*kw+x]
				}
			}
		}
	}
	return w
}

// oihwToDepthwise is depthwiseToOIHW's inverse for c groups.
func oihwToDepthwise(k *kernelTensor, c int) []float32 {
	kh, kw := int(k.dims[2]), int(k.dims[3])
	m := int(k.dims[0]) / c
	w := make([]float32, len(k.data))
	for ci := range c {
		for j := range m {
			for h := range kh {
				for x := range kw {
					w[((h*kw+x)*c+ci)*m+j] = k.data[((ci*m+j)*kh+h)*kw+x]
				}
			}
		}
	}
	return w
}

func (im *importer) batchNorm(n *Node) error {
	v, err := im.value(n.Inputs[0])
	if err != nil {
		return err
	}
	if len(n.Inputs) != 5 || len(n.Outputs) != 1 && n.Outputs[1] != "" {
		return fmt.Errorf("only the inference form (5 inputs, 1 output)")
	}
	if (len(v.dims) != 1 && len(v.dims) != 3) || v.nhwc {
		return fmt.Errorf("input of shape %v: want NCHW images or vectors", v.dims)
	}
	eps := getFloat(n, "epsilon", 1e-5)
	if eps <= 0 {
		return fmt.Errorf("epsilon %g: want > 0", eps)
	}
	l := &nn.BatchNormalization{Epsilon: float64(eps)}
	for i, name := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		c := im.constant(n.Inputs[i+1])
		if c == nil || len(floatsOf(c)) != v.dims[0] {
			return fmt.Errorf("%s %q: want a constant of %d values", name, n.Inputs[i+1], v.dims[0])
		}
		im.setWeights(l, name, floatsOf(c))
	}
	im.call(n.Outputs[0], l, v, v)
	return nil
}

// globalPool keeps ONNX's 1x1 spatial dimensions: pooling, then a
// Reshape to (1, 1, channels).
func (im *importer) globalPool(n *Node) error {
	v, err := im.image(n)
	if err != nil {
		return err
	}
	c := v.dims[0]
	var l nn.Layer = &nn.GlobalAveragePooling2D{}
	if n.Op == "GlobalMaxPool" {
		l = &nn.GlobalMaxPooling2D{}
	}
	p := im.call(n.Outputs[0]+"/pool", l, ival{dims: []int{c}}, v)
	im.call(n.Outputs[0], &nn.Reshape{TargetShape: []int{1, 1, c}}, ival{dims: []int{c, 1, 1}}, p)
	return nil
}

func (im *importer) pool(n *Node) error {
	v, err := im.image(n)
	if err != nil {
		return err
	}
	k := getInts(n, "kernel_shape")
	if len(k) != 2 {
		return fmt.Errorf("kernel_shape %v: want 2 values", k)
	}
	wd, err := im.window(n, v.dims[1], v.dims[2], [2]int{int(k[0]), int(k[1])})
	if err != nil {
		return err
	}
	if wd.explicit() || (wd.padding == "same" && n.Op == "AveragePool" && getInt(n, "count_include_pad", 0) != 0) {
		return fmt.Errorf("pads %v are not supported here", getInts(n, "pads"))
	}
	var l nn.Layer = &nn.MaxPooling2D{PoolSize: wd.k, Strides: wd.s, Padding: wd.padding}
	if n.Op == "AveragePool" {
		l = &nn.AveragePooling2D{PoolSize: wd.k, Strides: wd.s, Padding: wd.padding}
	}
	im.call(n.Outputs[0], l, ival{dims: []int{v.dims[0], wd.oh, wd.ow}}, v)
	return nil
}

// pad is a zero ZeroPadding2D over the height and width.
func (im *importer) pad(n *Node) error {
	v, err := im.image(n)
	if err != nil {
		return err
	}
	if m := attr(n, "mode"); m != nil && m.S != "constant" {
		return fmt.Errorf("mode %s: only constant", m.S)
	}
	p := getInts(n, "pads")
	if len(n.Inputs) > 1 {
		c := im.constant(n.Inputs[1])
		if c == nil {
			return fmt.Errorf("pads %q are not a constant", n.Inputs[1])
		}
		p = c.Ints
	}
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		if c := im.constant(n.Inputs[2]); c == nil || len(floatsOf(c)) != 1 || floatsOf(c)[0] != 0 {
			return fmt.Errorf("only zero padding")
		}
	}
	if getFloat(n, "value", 0) != 0 || len(p) != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0 {
		return fmt.Errorf("pads %v: only zeros over height and width", p)
	}
	pads := [4]int{int(p[2]), int(p[6]), int(p[3]), int(p[7])}
	out := ival{dims: []int{v.dims[0], v.dims[1] + pads[0] + pads[1], v.dims[2] + pads[2] + pads[3]}}
	im.call(n.Outputs[0], &nn.ZeroPadding2D{Padding: pads}, out, v)
	return nil
}
