package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

// An independent float64 reference of a model's training forward pass,
// written from m.Nodes() (layer configs and weights) only, for the
// whole-model finite-difference check (diff_model_fd_test.go). It shares
// no code with the layers: direct loops over NHWC tensors, Keras'
// padding rule, batch statistics for BatchNormalization.

// fdTensor is a float64 tensor, batch first.
type fdTensor struct {
	shape []int
	v     []float64
}

// fdRef evaluates a model's loss in float64 on its own copies of the
// weights (w, by Param) and of the input.
type fdRef struct {
	nodes  []Node
	index  map[string]int
	inName string
	w      map[*Param][]float64
	x      fdTensor
	labels []int32
	weight []float32 // per sample (nil: ones)
	outs   []fdTensor
	stats  map[*BatchNormalization][2][]float64 // the last evaluation's batch mean and biased variance
}

func newFDRef(m Model, x *tensor.Tensor, labels []int32) *fdRef {
	r := &fdRef{nodes: m.Nodes(), index: map[string]int{}, w: map[*Param][]float64{}, labels: labels,
		stats: map[*BatchNormalization][2][]float64{}}
	r.inName = DefaultInputName
	if g, ok := m.(*Graph); ok {
		r.inName = g.inputName()
	}
	for i, n := range r.nodes {
		r.index[n.Layer.Name()] = i
		for _, p := range n.Layer.Params() {
			r.w[p] = to64(p.Value.Data)
		}
	}
	r.x = fdTensor{shape: append([]int(nil), x.Shape...), v: to64(x.Data)}
	r.outs = make([]fdTensor, len(r.nodes))
	return r
}

// loss evaluates the nodes from node from on (the earlier outputs are
// those of the last evaluation) and returns the mean sparse categorical
// cross-entropy of the output (softmax probabilities) against labels,
// each sample's weighted by weight (Keras' sum_over_batch_size: divided
// by the batch, not by the weights' sum).
func (r *fdRef) loss(from int) float64 {
	for i := from; i < len(r.nodes); i++ {
		r.outs[i] = r.eval(i)
	}
	p := r.outs[len(r.outs)-1]
	n := p.shape[0]
	k := len(p.v) / n
	var s float64
	for i := range n {
		w := 1.0
		if r.weight != nil {
			w = float64(r.weight[i])
		}
		s -= w * math.Log(p.v[i*k+int(r.labels[i])])
	}
	return s / float64(n)
}

func (r *fdRef) input(name string) fdTensor {
	if name == r.inName {
		return r.x
	}
	return r.outs[r.index[name]]
}

// param returns the float64 copy of l's weight called name (nil: none).
func (r *fdRef) param(l Layer, name string) []float64 {
	for _, p := range l.Params() {
		if p.Name == name {
			return r.w[p]
		}
	}
	return nil
}

func (r *fdRef) eval(i int) fdTensor {
	n := r.nodes[i]
	x := r.input(n.Inputs[0])
	switch l := n.Layer.(type) {
	case *fdProbe:
		return fdScale(x, r.w[l.s][0])
	case *Conv2D:
		y := fdConv(x, r.param(l, "kernel"), l.KernelSize, l.Strides, l.Padding, false)
		return fdActivate(fdBias(y, r.param(l, "bias")), l.Activation)
	case *DepthwiseConv2D:
		y := fdConv(x, r.param(l, "kernel"), l.KernelSize, l.Strides, l.Padding, true)
		return fdActivate(fdBias(y, r.param(l, "bias")), l.Activation)
	case *BatchNormalization:
		return r.batchNorm(l, x)
	case *Activation:
		return fdActivate(x, l.Function)
	case *Add:
		y := fdTensor{shape: x.shape, v: append([]float64(nil), x.v...)}
		for _, name := range n.Inputs[1:] {
			for j, v := range r.input(name).v {
				y.v[j] += v
			}
		}
		return y
	case *Concatenate:
		return r.concat(n.Inputs)
	case *ZeroPadding2D:
		return fdZeroPad(x, l.Padding)
	case *MaxPooling2D:
		return fdMaxPool(x, l.PoolSize, l.Strides)
	case *AveragePooling2D:
		return fdAveragePool(x, l.PoolSize, l.Strides, l.Padding)
	case *GlobalAveragePooling2D:
		return fdGlobalAverage(x)
	case *Flatten:
		return fdTensor{shape: []int{x.shape[0], len(x.v) / x.shape[0]}, v: x.v}
	case *Dense:
		return fdActivate(fdBias(fdDense(x, r.param(l, "kernel")), r.param(l, "bias")), l.Activation)
	}
	panic(fmt.Sprintf("fd reference: no %s", n.Layer.Type()))
}

// concat joins the inputs along the last axis.
func (r *fdRef) concat(names []string) fdTensor {
	var ins []fdTensor
	width := 0
	for _, name := range names {
		ins = append(ins, r.input(name))
		width += ins[len(ins)-1].shape[len(ins[0].shape)-1]
	}
	shape := append([]int(nil), ins[0].shape...)
	shape[len(shape)-1] = width
	y := fdTensor{shape: shape, v: make([]float64, 0, len(ins[0].v)/ins[0].shape[len(shape)-1]*width)}
	for o := 0; len(y.v) < cap(y.v); o++ {
		for _, in := range ins {
			k := in.shape[len(shape)-1]
			y.v = append(y.v, in.v[o*k:(o+1)*k]...)
		}
	}
	return y
}

// fdZeroPad pads (N, H, W, C) with pad = (top, bottom, left, right) zeros.
func fdZeroPad(x fdTensor, pad [4]int) fdTensor {
	n, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := h+pad[0]+pad[1], w+pad[2]+pad[3]
	y := fdTensor{shape: []int{n, oh, ow, c}, v: make([]float64, n*oh*ow*c)}
	for b := range n {
		for i := range h {
			copy(y.v[((b*oh+i+pad[0])*ow+pad[2])*c:], x.v[(b*h+i)*w*c:(b*h+i+1)*w*c])
		}
	}
	return y
}

func fdScale(x fdTensor, s float64) fdTensor {
	y := fdTensor{shape: x.shape, v: make([]float64, len(x.v))}
	for j, v := range x.v {
		y.v[j] = s * v
	}
	return y
}

// fdBias adds b (nil: nothing) along the last axis, in place.
func fdBias(y fdTensor, b []float64) fdTensor {
	for j := range y.v {
		if b != nil {
			y.v[j] += b[j%len(b)]
		}
	}
	return y
}

// fdActivate applies Keras' activation by name, softmax over the last axis.
func fdActivate(x fdTensor, name string) fdTensor {
	y := fdTensor{shape: x.shape, v: make([]float64, len(x.v))}
	switch name {
	case "", "linear":
		copy(y.v, x.v)
	case "relu", "relu6":
		top := math.Inf(1)
		if name == "relu6" {
			top = 6
		}
		for j, v := range x.v {
			y.v[j] = min(max(v, 0), top)
		}
	case "softmax":
		k := x.shape[len(x.shape)-1]
		for o := 0; o < len(x.v); o += k {
			mx := math.Inf(-1)
			for _, v := range x.v[o : o+k] {
				mx = math.Max(mx, v)
			}
			var s float64
			for j := o; j < o+k; j++ {
				y.v[j] = math.Exp(x.v[j] - mx)
				s += y.v[j]
			}
			for j := o; j < o+k; j++ {
				y.v[j] /= s
			}
		}
	default:
		panic("fd reference: no activation " + name)
	}
	return y
}

// fdPad is Keras' padding: the output size and the padding before.
func fdPad(in, k, s int, padding string) (out, before int) {
	if padding == "same" {
		out = (in + s - 1) / s
		return out, max((out-1)*s+k-in, 0) / 2
	}
	return (in-k)/s + 1, 0
}

// fdConv is a convolution of x (N, H, W, C) with an HWIO kernel, or a
// depthwise one (kernel (KH, KW, C, 1)), without bias.
func fdConv(x fdTensor, w []float64, ks, strides [2]int, padding string, depthwise bool) fdTensor {
	n, h, wd, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	sh, sw := max(strides[0], 1), max(strides[1], 1)
	oh, pt := fdPad(h, ks[0], sh, padding)
	ow, pl := fdPad(wd, ks[1], sw, padding)
	f := len(w) / (ks[0] * ks[1] * c)
	if depthwise {
		f = c
	}
	step := c * f // the kernel's values per tap
	if depthwise {
		step = c
	}
	y := fdTensor{shape: []int{n, oh, ow, f}, v: make([]float64, n*oh*ow*f)}
	for b := range n {
		for i := range oh {
			for j := range ow {
				out := y.v[((b*oh+i)*ow+j)*f:][:f]
				for u := range ks[0] {
					for v := range ks[1] {
						hi, wj := i*sh+u-pt, j*sw+v-pl
						if hi < 0 || hi >= h || wj < 0 || wj >= wd {
							continue
						}
						in := x.v[((b*h+hi)*wd+wj)*c:][:c]
						tap := w[(u*ks[1]+v)*step:]
						for ci, xv := range in {
							if depthwise {
								out[ci] += xv * tap[ci]
								continue
							}
							for fi := range f {
								out[fi] += xv * tap[ci*f+fi]
							}
						}
					}
				}
			}
		}
	}
	return y
}

func (r *fdRef) batchNorm(l *BatchNormalization, x fdTensor) fdTensor {
	c := x.shape[len(x.shape)-1]
	mean, vr := r.param(l, "moving_mean"), r.param(l, "moving_variance") // a frozen one: inference mode
	if Trainable(l) {
		mean, vr = fdBatchStats(x.v, c)
		r.stats[l] = [2][]float64{mean, vr}
	}
	scale, shift := make([]float64, c), make([]float64, c) // y = (x - mean)·scale + shift
	gamma, beta := r.param(l, "gamma"), r.param(l, "beta")
	for k := range vr {
		scale[k] = 1 / math.Sqrt(vr[k]+l.epsilon())
		if gamma != nil {
			scale[k] *= gamma[k]
		}
		if beta != nil {
			shift[k] = beta[k]
		}
	}
	y := fdTensor{shape: x.shape, v: make([]float64, len(x.v))}
	for o := 0; o < len(x.v); o += c {
		for k, v := range x.v[o : o+c] {
			y.v[o+k] = (v-mean[k])*scale[k] + shift[k]
		}
	}
	return y
}

// fdBatchStats returns the mean and biased variance of each of c channels.
func fdBatchStats(x []float64, c int) (mean, vr []float64) {
	rows := len(x) / c
	mean, vr = make([]float64, c), make([]float64, c)
	for o := 0; o < len(x); o += c {
		for k, v := range x[o : o+c] {
			mean[k] += v
		}
	}
	for k := range mean {
		mean[k] /= float64(rows)
	}
	for o := 0; o < len(x); o += c {
		for k, v := range x[o : o+c] {
			vr[k] += (v - mean[k]) * (v - mean[k])
		}
	}
	for k := range vr {
		vr[k] /= float64(rows)
	}
	return mean, vr
}

func fdMaxPool(x fdTensor, pool, strides [2]int) fdTensor {
	if pool == [2]int{} {
		pool = [2]int{2, 2}
	}
	if strides == [2]int{} {
		strides = pool
	}
	n, h, w, c := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := (h-pool[0])/strides[0]+1, (w-pool[1])/strides[1]+1
	y := fdTensor{shape: []int{n, oh, ow, c}, v: make([]float64, n*oh*ow*c)}
	for b := range n {
		for i := range oh {
			for j := range ow {
				for k := range c {
					mx := math.Inf(-1)
					for u := range pool[0] {
						for v := range pool[1] {
							mx = math.Max(mx, x.v[((b*h+i*strides[0]+u)*w+j*strides[1]+v)*c+k])
						}
					}
					y.v[((b*oh+i)*ow+j)*c+k] = mx
				}
			}
		}
	}
	return y
}

// fdAveragePool is a valid average pooling (by a convolution with a
// kernel of 1/(ph·pw) per channel).
func fdAveragePool(x fdTensor, pool, strides [2]int, padding string) fdTensor {
	if padding == "same" {
		panic("fd reference: no average pooling with padding same")
	}
	if strides == [2]int{} {
		strides = pool
	}
	c := x.shape[3]
	w := make([]float64, pool[0]*pool[1]*c)
	for i := range w {
		w[i] = 1 / float64(pool[0]*pool[1])
	}
	return fdConv(x, w, pool, strides, "valid", true)
}

func fdGlobalAverage(x fdTensor) fdTensor {
	n, c := x.shape[0], x.shape[3]
	hw := x.shape[1] * x.shape[2]
	y := fdTensor{shape: []int{n, c}, v: make([]float64, n*c)}
	for j, v := range x.v {
		y.v[(j/(hw*c))*c+j%c] += v / float64(hw)
	}
	return y
}

func fdDense(x fdTensor, w []float64) fdTensor {
	n := x.shape[0]
	in := len(x.v) / n
	units := len(w) / in
	y := fdTensor{shape: []int{n, units}, v: make([]float64, n*units)}
	for b := range n {
		for i, xv := range x.v[b*in : (b+1)*in] {
			for u := range units {
				y.v[b*units+u] += xv * w[i*units+u]
			}
		}
	}
	return y
}

// fdProbe is a test layer y = s·x (s a learned scalar, 1 at the start)
// placed on a Graph's input: its Backward keeps dy, the gradient at the
// model's input (divided by s), which a model's Backward never computes
// otherwise (the first layer gets needDx false).
type fdProbe struct {
	named
	s     *Param
	x, y  *tensor.Tensor
	dy    []float32
	shape tensor.Shape
}

func (l *fdProbe) Type() string     { return "FDProbe" }
func (l *fdProbe) Params() []*Param { return []*Param{l.s} }

func (l *fdProbe) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	l.s = newParam("scale", true, 1)
	l.s.Value.Data[0] = 1
	l.shape = in.Clone()
	return in.Clone(), nil
}

func (l *fdProbe) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	l.x = x
	l.y = tensor.Ensure(l.y, x.Shape...)
	for i, v := range x.Data {
		l.y.Data[i] = l.s.Value.Data[0] * v
	}
	return l.y
}

func (l *fdProbe) Backward(dy *tensor.Tensor, _ bool) *tensor.Tensor {
	l.dy = append(l.dy[:0], dy.Data...)
	l.s.Grad.Data[0] = float32(dot64(l.x.Data, dy.Data))
	return nil
}
