package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	fields := []string{"pool_size", "strides", "padding"}
	registerLayer("MaxPooling2D", layerKind{
		fields: fields,
		make: func(s LayerSpec) (Layer, error) {
			return &MaxPooling2D{PoolSize: s.PoolSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding)}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			p := l.(*MaxPooling2D)
			s.PoolSize, s.Strides, s.Padding = pairOf(p.PoolSize), pairOf(p.Strides), PaddingArg(p.Padding)
		},
	})
	registerLayer("AveragePooling2D", layerKind{
		fields: fields,
		make: func(s LayerSpec) (Layer, error) {
			return &AveragePooling2D{PoolSize: s.PoolSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding)}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			p := l.(*AveragePooling2D)
			s.PoolSize, s.Strides, s.Padding = pairOf(p.PoolSize), pairOf(p.Strides), PaddingArg(p.Padding)
		},
	})
}

// pool2D holds what MaxPooling2D and AveragePooling2D share: the window
// geometry and the buffers.
type pool2D struct {
	geom    kernels.ConvGeom
	in, out tensor.Shape
	y, dx   *tensor.Tensor
	arena   *arena // where dx and inference outputs go (nil: dx and y)
}

func (l *pool2D) setArena(a *arena) { l.arena = a }

// build applies Keras' pooling config (pool_size default 2x2, strides
// default = pool_size, padding "valid") to the input shape.
func (l *pool2D) build(in tensor.Shape, poolSize, strides [2]int, padding string) (tensor.Shape, error) {
	fp, err := l.plan(in, poolSize, strides, padding)
	if err != nil {
		return nil, err
	}
	l.in, l.out = in.Clone(), fp.out
	return l.out, nil
}

// validatePool checks a pooling config on its own.
func validatePool(poolSize, strides [2]int, padding string) error {
	k, err := pair(poolSize, [2]int{2, 2}, "pool_size")
	if err != nil {
		return err
	}
	if _, err := pair(strides, k, "strides"); err != nil {
		return err
	}
	_, err = checkPadding(padding)
	return err
}

// plan checks the config against the input and sets the geometry.
func (l *pool2D) plan(in tensor.Shape, poolSize, strides [2]int, padding string) (footprint, error) {
	if len(in) != 3 {
		return footprint{}, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	if err := validatePool(poolSize, strides, padding); err != nil {
		return footprint{}, err
	}
	k, _ := pair(poolSize, [2]int{2, 2}, "pool_size")
	s, _ := pair(strides, k, "strides")
	pad, _ := checkPadding(padding)
	oh, pt := window(pad, in[0], k[0], s[0])
	ow, pl := window(pad, in[1], k[1], s[1])
	if oh <= 0 || ow <= 0 {
		return footprint{}, fmt.Errorf("pool %dx%d is larger than its %dx%d input (use padding \"same\" or a smaller pool)", k[0], k[1], in[0], in[1])
	}
	l.geom = kernels.ConvGeom{H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1], PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
	out := tensor.Shape{oh, ow, in[2]}
	return footprint{out: out, buffers: values(out), dx: values(in), arena: true}, nil // y, dx
}

// span clips the window starting at o*s-pad of size k to [0, n).
func span(o, s, pad, k, n int) (lo, hi int) {
	lo = o*s - pad
	return max(lo, 0), min(lo+k, n)
}

// eachWindow calls fn for every output position of one sample: o is the
// offset of its C values in the sample's output, and the window covers
// the input rows [h0, h1) and columns [w0, w1) (clipped to the input).
func (l *pool2D) eachWindow(fn func(o, h0, h1, w0, w1 int)) {
	g := l.geom
	o := 0
	for oh := 0; oh < g.OH; oh++ {
		h0, h1 := span(oh, g.SH, g.PadTop, g.KH, g.H)
		for ow := 0; ow < g.OW; ow++ {
			w0, w1 := span(ow, g.SW, g.PadLeft, g.KW, g.W)
			fn(o, h0, h1, w0, w1)
			o += g.C
		}
	}
}

// eachSample runs fn on every sample of a batch of n, spread over the
// cores, with the sample's input and output sizes.
func (l *pool2D) eachSample(n int, fn func(b, inSize, outSize int)) {
	g := l.geom
	inSize, outSize := g.H*g.W*g.C, g.OH*g.OW*g.C
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			fn(b, inSize, outSize)
		}
	})
}

// MaxPooling2D is Keras' MaxPooling2D. Padding never wins the max.
type MaxPooling2D struct {
	named
	PoolSize [2]int // zero value: (2, 2)
	Strides  [2]int // zero value: PoolSize
	Padding  string // "valid" (default) or "same"

	pool2D
	x       *tensor.Tensor // the last Forward's input, to route the gradient
	reluIn  bool           // an inference Forward: x is a Conv2D's output before its relu (pool_relu.go)
	noFuse  bool           // benchmarks: relu stays in the Conv2D before (pool_relu.go's A/B)
	conv    *Conv2D        // an inference Forward: the Conv2D before, which this layer runs (pool_conv.go)
	reluOut bool           // a Backward: dy takes relu's gradient for the Conv2D before (pool_relu.go)
	noConv  bool           // benchmarks: the Conv2D runs on its own (pool_conv.go's A/B)
	noWino  bool           // benchmarks: a Winograd Conv2D runs on its own (pool_conv.go's A/B)
	convY   *tensor.Tensor // the Winograd convolution's output when no arena holds it (pool_conv.go)
}

func (l *MaxPooling2D) Type() string     { return "MaxPooling2D" }
func (l *MaxPooling2D) Params() []*Param { return nil }
func (l *MaxPooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	return l.build(in, l.PoolSize, l.Strides, l.Padding)
}
func (l *MaxPooling2D) validate() error { return validatePool(l.PoolSize, l.Strides, l.Padding) }
func (l *MaxPooling2D) plan(in tensor.Shape) (footprint, error) {
	return l.pool2D.plan(in, l.PoolSize, l.Strides, l.Padding)
}

// Forward: x (N, H, W, C) -> y (N, OH, OW, C), the max of each window.
// The inner loop runs over channels with the branch-free max builtin; no
// argmax is stored (Backward finds it again by equality), which is several
// times faster than a compare-and-branch per element.
func (l *MaxPooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	if l.conv != nil {
		return l.forwardConv(x)
	}
	g := l.geom
	n := batchOf(l, x, l.in)
	l.x = x
	y := output(l.arena, &l.y, x, n, l.out)
	l.eachSample(n, func(b, inSize, outSize int) {
		xs, ys := x.Data[b*inSize:(b+1)*inSize], y.Data[b*outSize:(b+1)*outSize]
		if l.reluIn { // set only with tiled2x2
			kernels.MaxPool2x2Relu(ys, xs, g.H, g.W, g.C)
			return
		}
		if l.tiled2x2() {
			kernels.MaxPool2x2(ys, xs, g.H, g.W, g.C)
			return
		}
		l.eachWindow(func(o, h0, h1, w0, w1 int) {
			yr := ys[o : o+g.C : o+g.C]
			first := (h0*g.W + w0) * g.C
			copy(yr, xs[first:first+g.C])
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					base := (h*g.W + w) * g.C
					xr := xs[base : base+g.C : base+g.C]
					for c := range yr {
						yr[c] = max(yr[c], xr[c])
					}
				}
			}
		})
	})
	return y
}

// Backward: each dy goes to the first position of its window (in row-major
// order) whose input equals the max, found without branches: z = bits(x) ^
// bits(y) is zero exactly on a match, and ^z & (z-1) has its top bit set
// only then; a per-channel "taken" mask keeps later ties out.
func (l *MaxPooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	g := l.geom
	n := dy.Shape[0]
	dxt := inputGrad(l.arena, &l.dx, dy, n, l.in)
	l.eachSample(n, func(b, inSize, outSize int) {
		xs, dx := l.x.Data[b*inSize:(b+1)*inSize], dxt.Data[b*inSize:(b+1)*inSize]
		ys, ds := l.y.Data[b*outSize:(b+1)*outSize], dy.Data[b*outSize:(b+1)*outSize]
		if l.reluOut { // set only with tiled2x2
			kernels.ReluGrad(ds, ys)
		}
		if l.tiled2x2() {
			kernels.MaxPool2x2Grad(dx, xs, ys, ds, g.H, g.W, g.C)
			return
		}
		taken := make([]uint32, g.C) // per channel: the max was already routed
		clear(dx)
		l.eachWindow(func(o, h0, h1, w0, w1 int) {
			yr, dr := ys[o:o+g.C:o+g.C], ds[o:o+g.C:o+g.C]
			clear(taken)
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					base := (h*g.W + w) * g.C
					xr, dxr := xs[base:base+g.C:base+g.C], dx[base:base+g.C:base+g.C]
					for c := range yr {
						z := math.Float32bits(xr[c]) ^ math.Float32bits(yr[c])
						eq := uint32(int32(^z&(z-1)) >> 31)
						hit := eq &^ taken[c]
						taken[c] |= eq
						dxr[c] += math.Float32frombits(math.Float32bits(dr[c]) & hit)
					}
				}
			}
		})
	})
	return dxt
}

// tiled2x2 reports whether the windows are 2x2, stride 2 and inside the
// input (no padding on any side): each input position is in at most one
// window (the common case, run by kernels.MaxPool2x2 and
// kernels.MaxPool2x2Grad, with the same tie and NaN rules as the general
// loops here).
func (l *MaxPooling2D) tiled2x2() bool {
	g := l.geom
	return g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PadTop == 0 && g.PadLeft == 0 &&
		g.OH == g.H/2 && g.OW == g.W/2
}

// AveragePooling2D is Keras' AveragePooling2D: with "same" padding each
// window is divided by the number of real (unpadded) elements it covers.
type AveragePooling2D struct {
	named
	PoolSize [2]int // zero value: (2, 2)
	Strides  [2]int // zero value: PoolSize
	Padding  string // "valid" (default) or "same"

	pool2D
	share []float32 // Backward: each window's dy / its size
}

func (l *AveragePooling2D) Type() string     { return "AveragePooling2D" }
func (l *AveragePooling2D) Params() []*Param { return nil }
func (l *AveragePooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	return l.build(in, l.PoolSize, l.Strides, l.Padding)
}
func (l *AveragePooling2D) validate() error { return validatePool(l.PoolSize, l.Strides, l.Padding) }
func (l *AveragePooling2D) plan(in tensor.Shape) (footprint, error) {
	fp, err := l.pool2D.plan(in, l.PoolSize, l.Strides, l.Padding)
	fp.buffers += values(fp.out) // Backward's shares of dy
	return fp, err
}

// Forward: x (N, H, W, C) -> y (N, OH, OW, C), the mean of each window.
func (l *AveragePooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	g := l.geom
	n := batchOf(l, x, l.in)
	y := output(l.arena, &l.y, x, n, l.out)
	l.eachSample(n, func(b, inSize, outSize int) {
		xs, ys := x.Data[b*inSize:(b+1)*inSize], y.Data[b*outSize:(b+1)*outSize]
		clear(ys)
		l.eachWindow(func(o, h0, h1, w0, w1 int) {
			yr := ys[o : o+g.C]
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					base := (h*g.W + w) * g.C
					addRow(yr, xs[base:base+g.C])
				}
			}
			inv := 1 / float32((h1-h0)*(w1-w0))
			for c := range yr {
				yr[c] *= inv
			}
		})
	})
	return y
}

// Backward: each dy is spread evenly over its window: dy/size (its
// window's share, one rounding, into l.share) is added to each of the
// window's positions, in the window's order.
func (l *AveragePooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	g := l.geom
	n := dy.Shape[0]
	dxt := inputGrad(l.arena, &l.dx, dy, n, l.in)
	l.share = growSlice(l.share, len(dy.Data))
	l.eachSample(n, func(b, inSize, outSize int) {
		dx, ds := dxt.Data[b*inSize:(b+1)*inSize], dy.Data[b*outSize:(b+1)*outSize]
		share := l.share[b*outSize : (b+1)*outSize]
		clear(dx)
		l.eachWindow(func(o, h0, h1, w0, w1 int) {
			sr := share[o : o+g.C]
			inv := 1 / float32((h1-h0)*(w1-w0))
			for c, v := range ds[o : o+g.C] {
				sr[c] = v * inv
			}
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					base := (h*g.W + w) * g.C
					addRow(dx[base:base+g.C], sr)
				}
			}
		})
	})
	return dxt
}

// addRow adds src into dst, element by element (kernels.AddTo for rows
// long enough to pay for its call: the same bits).
func addRow(dst, src []float32) {
	if len(src) >= 16 {
		kernels.AddTo(dst, src)
		return
	}
	for c, v := range src {
		dst[c] += v
	}
}
