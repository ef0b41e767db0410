package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("DepthwiseConv2D", layerKind{
		fields: []string{"kernel_size", "strides", "padding", "depth_multiplier", "activation", "use_bias", "depthwise_initializer", "bias_initializer"},
		make: func(s LayerSpec) (Layer, error) {
			if len(s.KernelSize) == 0 {
				return nil, fmt.Errorf("DepthwiseConv2D needs kernel_size")
			}
			return &DepthwiseConv2D{KernelSize: s.KernelSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding),
				DepthMultiplier: s.DepthMultiplier, NoBias: noBias(s), Activation: s.Activation,
				DepthwiseInitializer: s.DepthwiseInit, BiasInitializer: s.BiasInitializer}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			d := l.(*DepthwiseConv2D)
			s.KernelSize, s.Strides, s.Padding, s.DepthMultiplier = pairOf(d.KernelSize), pairOf(d.Strides), PaddingArg(d.Padding), d.DepthMultiplier
			s.Activation, s.DepthwiseInit, s.BiasInitializer, s.UseBias = d.Activation, d.DepthwiseInitializer, d.BiasInitializer, useBias(d.NoBias)
		},
	})
}

// DepthwiseConv2D is Keras' DepthwiseConv2D: every input channel is
// convolved with its own DepthMultiplier filters, kernel (kh, kw,
// channels, depth_multiplier); output channel c*M+m comes from channel c.
// It runs as a direct NHWC loop (kernels.DepthwiseForward), not im2col.
type DepthwiseConv2D struct {
	named
	KernelSize           [2]int // required
	Strides              [2]int // zero value: (1, 1)
	Padding              string // "valid" (default) or "same"
	DepthMultiplier      int    // zero value: 1
	NoBias               bool   // Keras' use_bias=False
	Activation           string // "" = linear
	DepthwiseInitializer string // "" = glorot_uniform
	BiasInitializer      string // "" = zeros

	kernel, bias *Param
	act          *activation
	logitsGrad   bool
	geom         kernels.ConvGeom
	m            int
	in, out      tensor.Shape

	x, y, z, dx *tensor.Tensor
	arena       *arena    // where inference outputs go (nil: y)
	part        []float32 // per-sample kernel gradients
	biasSums    []float64
	fold        convFold // a Graph's inference Forward with the next BatchNormalization folded in (graph_fold.go)

	prePad   *[4]int          // a ZeroPadding2D before it whose work it does (graph_pad.go), nil: none
	unpadded tensor.Shape     // the input shape then
	run      kernels.ConvGeom // the geometry of the last Forward, N included
	runIn    tensor.Shape     // and its input shape

	hub dwHub // the BatchNormalizations around it whose passes it runs per sample (batchnorm_hub.go)
}

// dwHub is a DepthwiseConv2D's pairing with the BatchNormalization before
// it (whose output it reads through the fused activation) and after it
// (which reads its output), nil where none (graph_hub.go).
type dwHub struct {
	in, out *BatchNormalization
}

// hubbable reports whether the layer can run the passes of the
// BatchNormalizations around it: no bias and no activation, whose passes
// over the whole output would come between, and a depth multiplier of 1
// (whose kernels can take a sample's input from elsewhere).
func (l *DepthwiseConv2D) hubbable() bool {
	return l.bias == nil && l.act != nil && l.act.name == "linear" && l.m == 1
}

func (l *DepthwiseConv2D) Type() string           { return "DepthwiseConv2D" }
func (l *DepthwiseConv2D) activationName() string { return l.act.name }
func (l *DepthwiseConv2D) setLogitsGrad(on bool)  { l.logitsGrad = on }

func (l *DepthwiseConv2D) Params() []*Param {
	if l.bias == nil {
		return []*Param{l.kernel}
	}
	return []*Param{l.kernel, l.bias}
}

// windowGeom resolves kernel size, strides and padding on an (h, w, c)
// input into the sliding-window geometry.
func windowGeom(in tensor.Shape, kernel, strides [2]int, padding string) (kernels.ConvGeom, error) {
	if len(in) != 3 {
		return kernels.ConvGeom{}, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	k, err := pair(kernel, [2]int{}, "kernel_size")
	if err != nil {
		return kernels.ConvGeom{}, err
	}
	s, err := pair(strides, [2]int{1, 1}, "strides")
	if err != nil {
		return kernels.ConvGeom{}, err
	}
	pad, err := checkPadding(padding)
	if err != nil {
		return kernels.ConvGeom{}, err
	}
	oh, pt := window(pad, in[0], k[0], s[0])
	ow, pl := window(pad, in[1], k[1], s[1])
	if oh <= 0 || ow <= 0 {
		return kernels.ConvGeom{}, fmt.Errorf("kernel %dx%d is larger than its %dx%d input (use padding \"same\" or a smaller kernel)", k[0], k[1], in[0], in[1])
	}
	return kernels.ConvGeom{H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1], PadTop: pt, PadLeft: pl, OH: oh, OW: ow}, nil
}

func (l *DepthwiseConv2D) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	g, err := windowGeom(in, l.KernelSize, l.Strides, l.Padding)
	if err != nil {
		return nil, err
	}
	l.m = l.DepthMultiplier
	if l.m == 0 {
		l.m = 1
	}
	if l.m < 0 {
		return nil, fmt.Errorf("depth_multiplier must be positive, got %d", l.DepthMultiplier)
	}
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	kinit, err := lookupInitializer(l.DepthwiseInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	l.geom, l.in = g, in.Clone()
	cm := g.C * l.m
	l.kernel = newParam("kernel", true, g.KH, g.KW, g.C, l.m)
	// Keras' fans for a (kh, kw, c, m) kernel: kh*kw*c in, kh*kw*m out.
	kinit(l.kernel.Value.Data, g.KH*g.KW*g.C, g.KH*g.KW*l.m, rng)
	l.bias = nil
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, cm)
		binit(l.bias.Value.Data, cm, cm, rng)
	}
	l.out = tensor.Shape{g.OH, g.OW, cm}
	return l.out.Clone(), nil
}

func (l *DepthwiseConv2D) setArena(a *arena) { l.arena = a }

// setPrePad makes the following Forward calls take the input of the
// ZeroPadding2D before the layer, with padding p (top, bottom, left,
// right), instead of its output (nil: the layer's own input again).
func (l *DepthwiseConv2D) setPrePad(p *[4]int) {
	l.prePad = p
	if p != nil {
		l.unpadded = tensor.Shape{l.in[0] - p[0] - p[1], l.in[1] - p[2] - p[3], l.in[2]}
	}
}

// begin sets the geometry of a Forward on x (run and runIn): the
// layer's own, or, with a pre-padding, the geometry on the unpadded
// input with the padding moved into PadTop and PadLeft (the taps that
// fall in it are the ones the kernels skip at the borders: the same sums
// without the zero products).
func (l *DepthwiseConv2D) begin(x *tensor.Tensor) {
	g, in := l.geom, l.in
	if p := l.prePad; p != nil {
		g.H, g.W, g.PadTop, g.PadLeft = l.unpadded[0], l.unpadded[1], g.PadTop+p[0], g.PadLeft+p[2]
		in = l.unpadded
	}
	g.N = batchOf(l, x, in)
	l.run, l.runIn, l.x = g, in, x
}

// Forward: x (N, H, W, C) -> y (N, OH, OW, C*M) = act(depthwise(x) + bias).
func (l *DepthwiseConv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.begin(x)
	y := output(l.arena, &l.y, x, l.run.N, l.out)
	var bias []float32
	if l.bias != nil {
		bias = l.bias.Value.Data
	}
	if h, ok := l.forwardHooks(y.Data, training); ok {
		kernels.DepthwiseForwardHooked(l.run, l.m, x.Data, l.kernel.Value.Data, bias, y.Data, h)
	} else {
		kernels.DepthwiseForwardBias(l.run, l.m, x.Data, l.kernel.Value.Data, bias, y.Data, nil) // y starts at the bias, sample by sample
	}
	l.z = applyActivation(l.act, y, l.z, l.out[2])
	return y
}

// forwardHooks returns the BatchNormalizations' passes to run per sample
// in a Forward writing y: the one before applied to each sample first,
// the one after summing each sample's statistics (sample 0 first).
func (l *DepthwiseConv2D) forwardHooks(y []float32, training bool) (h kernels.SampleHooks, ok bool) {
	g := l.run
	if l.hub.in != nil {
		h.Before = l.hub.in.hubApply(g.H * g.W)
	}
	if l.hub.out != nil && training {
		h.After = l.hub.out.hubStats(y, g.N, g.OH*g.OW)
		h.FirstAlone = h.After != nil
	}
	return h, h.Before != nil || h.After != nil
}

// Backward: dy (N, OH, OW, C*M) -> dz in place; dbias = Σ dz;
// dkernel[kh,kw,c,m] = Σ x·dz; dx[h,w,c] = Σ kernel·dz (N, H, W, C).
func (l *DepthwiseConv2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	g := l.run
	if !l.logitsGrad {
		activationBackward(l.act, dy, l.y, l.z, l.out[2])
	}
	if l.bias != nil {
		sumRows(l.bias.Grad.Data, dy.Data, &l.biasSums)
	}
	nk := l.kernel.Value.Len()
	if cap(l.part) < g.N*nk {
		l.part = make([]float32, g.N*nk)
	}
	var dx []float32
	if needDx {
		l.dx = ensureBatch(l.dx, g.N, l.runIn)
		dx = l.dx.Data
	}
	var h kernels.SampleHooks
	var grad func(b int)
	var input func(b int, s *kernels.TaskScratch) []float32
	if l.hub.out != nil { // dy becomes dz sample by sample
		grad = l.hub.out.hubGrad(dy.Data, g.OH*g.OW)
	}
	if l.hub.in != nil { // x computed again sample by sample where Forward did not write it
		input = l.hub.in.hubRecompute(g.H * g.W)
		if dx != nil {
			h.After = l.hub.in.hubSums(dx, g.N, g.H*g.W)
		}
	}
	h.Before = beforeHook(grad, input)
	kernels.DepthwiseBackwardHooked(g, l.m, l.x.Data, l.kernel.Value.Data, dy.Data, l.kernel.Grad.Data, dx, l.part[:g.N*nk], h)
	if !needDx {
		return nil
	}
	return l.dx
}

// plan checks the config against the input and counts the weights and
// buffers without allocating (see footprint).
func (l *DepthwiseConv2D) plan(in tensor.Shape) (footprint, error) {
	g, err := windowGeom(in, l.KernelSize, l.Strides, l.Padding)
	if err != nil {
		return footprint{}, err
	}
	m := l.DepthMultiplier
	if m == 0 {
		m = 1
	}
	if m < 0 {
		return footprint{}, fmt.Errorf("depth_multiplier must be positive, got %d", l.DepthMultiplier)
	}
	if _, err := lookupActivation(l.Activation); err != nil {
		return footprint{}, err
	}
	if err := checkInitializers(l.DepthwiseInitializer, l.BiasInitializer); err != nil {
		return footprint{}, err
	}
	cm := float64(g.C) * float64(m)
	out := tensor.Shape{g.OH, g.OW, g.C * m}
	fp := footprint{out: out, trainable: float64(g.KH*g.KW) * cm, buffers: 2*values(out) + values(in), arena: true}
	if !l.NoBias {
		fp.trainable += cm
	}
	return fp, nil
}

func (l *DepthwiseConv2D) foldable(c int) bool { return l.act.name == "linear" && c == l.geom.C*l.m }
func (l *DepthwiseConv2D) foldParams() (kernel, bias *Param, fold *convFold) {
	return l.kernel, l.bias, &l.fold
}

// forwardFolded is the inference Forward with the folded kernel and bias,
// act (relu or relu6, unless nil) applied to each sample's output right
// after its sums.
func (l *DepthwiseConv2D) forwardFolded(x *tensor.Tensor, act *activation) *tensor.Tensor {
	l.begin(x)
	y := output(l.arena, &l.y, x, l.run.N, l.out)
	k, bias := l.fold.kernel.Value.Data, l.fold.bias.Value.Data
	if act != nil && act.name == "relu6" { // applied as the kernels store each output
		kernels.DepthwiseForwardBiasRelu6(l.run, l.m, x.Data, k, bias, y.Data)
		return y
	}
	var post func([]float32)
	if act != nil {
		post = func(yb []float32) { act.forward(yb, yb, l.out[2]) }
	}
	kernels.DepthwiseForwardBias(l.run, l.m, x.Data, k, bias, y.Data, post)
	return y
}
