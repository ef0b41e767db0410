package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Conv2D", layerKind{
		fields: []string{"filters", "kernel_size", "strides", "padding", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
		make: func(s LayerSpec) (Layer, error) {
			if len(s.KernelSize) == 0 {
				return nil, fmt.Errorf("Conv2D needs kernel_size")
			}
			return &Conv2D{Filters: s.Filters, KernelSize: s.KernelSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding),
				NoBias: noBias(s), Activation: s.Activation, KernelInitializer: s.KernelInitializer, BiasInitializer: s.BiasInitializer}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			c := l.(*Conv2D)
			s.Filters, s.KernelSize, s.Strides, s.Padding = c.Filters, pairOf(c.KernelSize), pairOf(c.Strides), PaddingArg(c.Padding)
			s.Activation, s.KernelInitializer, s.BiasInitializer = c.Activation, c.KernelInitializer, c.BiasInitializer
			s.UseBias = useBias(c.NoBias)
		},
	})
}

// Conv2D is Keras' Conv2D on NHWC input with an HWIO kernel
// (kh, kw, in_channels, filters), computed as im2col followed by one SGEMM.
type Conv2D struct {
	named
	Filters           int
	KernelSize        [2]int // required
	Strides           [2]int // zero value: (1, 1)
	Padding           string // "valid" (default) or "same"
	NoBias            bool   // Keras' use_bias=False
	Activation        string // "" = linear
	KernelInitializer string // "" = glorot_uniform
	BiasInitializer   string // "" = zeros

	affine
	geom    kernels.ConvGeom
	in, out tensor.Shape

	a                  []float32 // the GEMM's left operand of the last Forward
	cols, y, dcols, dx *tensor.Tensor
}

func (l *Conv2D) Type() string { return "Conv2D" }

// validate checks the config on its own: filters, kernel size, strides,
// padding, activation and initializers.
func (l *Conv2D) validate() error {
	if l.Filters <= 0 {
		return fmt.Errorf("filters must be positive, got %d", l.Filters)
	}
	if _, err := pair(l.KernelSize, [2]int{}, "kernel_size"); err != nil {
		return err
	}
	if _, err := pair(l.Strides, [2]int{1, 1}, "strides"); err != nil {
		return err
	}
	if _, err := checkPadding(l.Padding); err != nil {
		return err
	}
	if _, err := lookupActivation(l.Activation); err != nil {
		return err
	}
	return checkInitializers(l.KernelInitializer, l.BiasInitializer)
}

// plan checks the config against the input and sets the geometry.
func (l *Conv2D) plan(in tensor.Shape) (footprint, error) {
	if len(in) != 3 {
		return footprint{}, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	if err := l.validate(); err != nil {
		return footprint{}, err
	}
	k, _ := pair(l.KernelSize, [2]int{}, "kernel_size")
	s, _ := pair(l.Strides, [2]int{1, 1}, "strides")
	pad, _ := checkPadding(l.Padding)
	oh, pt := window(pad, in[0], k[0], s[0])
	ow, pl := window(pad, in[1], k[1], s[1])
	if oh <= 0 || ow <= 0 {
		return footprint{}, fmt.Errorf("kernel %dx%d is larger than its %dx%d input (use padding \"same\" or a smaller kernel)", k[0], k[1], in[0], in[1])
	}
	l.geom = kernels.ConvGeom{H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1], PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
	out := tensor.Shape{oh, ow, l.Filters}
	fp := footprint{out: out, trainable: float64(k[0]) * float64(k[1]) * float64(in[2]) * float64(l.Filters)}
	if !l.NoBias {
		fp.trainable += float64(l.Filters)
	}
	fp.buffers = 2*values(out) + values(in) // y, pre-activation, dx
	if !l.pointwise() {
		fp.buffers += 2 * float64(oh) * float64(ow) * float64(k[0]*k[1]) * float64(in[2]) // im2col columns and their gradient
	}
	return fp, nil
}

func (l *Conv2D) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	k := [2]int{l.geom.KH, l.geom.KW}
	var err error
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	oh, ow := l.geom.OH, l.geom.OW
	kinit, err := lookupInitializer(l.KernelInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	l.kernel = newParam("kernel", true, k[0], k[1], in[2], l.Filters)
	kinit(l.kernel.Value.Data, k[0]*k[1]*in[2], k[0]*k[1]*l.Filters, rng)
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, l.Filters)
		binit(l.bias.Value.Data, l.Filters, l.Filters, rng)
	}
	l.in, l.out = in.Clone(), tensor.Shape{oh, ow, l.Filters}
	return l.out, nil
}

// Forward: x (N, H, W, C) -> cols (N*OH*OW, KH*KW*C) -> y (N, OH, OW, F).
func (l *Conv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	g := l.geom
	g.N = batchOf(l, x, l.in)
	l.geom = g
	m, k := g.Rows(), g.Cols()
	l.y = ensureBatch(l.y, g.N, l.out)
	l.a = x.Data // a 1x1 stride-1 unpadded kernel needs no im2col
	if !l.pointwise() {
		l.cols = tensor.Ensure(l.cols, m, k)
		kernels.Im2col(g, x.Data, l.cols.Data)
		l.a = l.cols.Data
	}
	l.forward(l.a, m, k, l.y)
	return l.y
}

// Backward: dy (N, OH, OW, F) -> dz -> dkernel = colsᵀ·dz, dbias = Σ dz,
// dcols = dz·kernelᵀ (N*OH*OW, KH*KW*C) -> col2im -> dx (N, H, W, C).
func (l *Conv2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	g := l.geom
	m, k := g.Rows(), g.Cols()
	if !needDx {
		l.backward(l.a, m, k, l.y, dy, nil)
		return nil
	}
	l.dx = ensureBatch(l.dx, g.N, l.in)
	if l.pointwise() { // dcols is dx itself
		l.backward(l.a, m, k, l.y, dy, l.dx.Data)
		return l.dx
	}
	l.dcols = tensor.Ensure(l.dcols, m, k)
	l.backward(l.a, m, k, l.y, dy, l.dcols.Data)
	kernels.Col2im(g, l.dcols.Data, l.dx.Data)
	return l.dx
}

func (l *Conv2D) pointwise() bool {
	g := l.geom
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1
}
