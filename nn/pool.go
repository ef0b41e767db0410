package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// pool2D holds what MaxPooling2D and AveragePooling2D share: the window
// geometry and the buffers.
type pool2D struct {
	geom    kernels.ConvGeom
	in, out tensor.Shape
	y, dx   *tensor.Tensor
}

// build applies Keras' pooling config (pool_size default 2x2, strides
// default = pool_size, padding "valid") to the input shape.
func (l *pool2D) build(in tensor.Shape, poolSize, strides [2]int, padding string) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	k, err := pair(poolSize, [2]int{2, 2}, "pool_size")
	if err != nil {
		return nil, err
	}
	s, err := pair(strides, k, "strides")
	if err != nil {
		return nil, err
	}
	pad, err := checkPadding(padding)
	if err != nil {
		return nil, err
	}
	oh, pt := window(pad, in[0], k[0], s[0])
	ow, pl := window(pad, in[1], k[1], s[1])
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("pool %dx%d is larger than its %dx%d input (use padding \"same\" or a smaller pool)", k[0], k[1], in[0], in[1])
	}
	l.geom = kernels.ConvGeom{H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1], PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
	l.in, l.out = in.Clone(), tensor.Shape{oh, ow, in[2]}
	return l.out, nil
}

// span clips the window starting at o*s-pad of size k to [0, n).
func span(o, s, pad, k, n int) (lo, hi int) {
	lo = o*s - pad
	return max(lo, 0), min(lo+k, n)
}

// MaxPooling2D is Keras' MaxPooling2D. Padding never wins the max.
type MaxPooling2D struct {
	named
	PoolSize [2]int // zero value: (2, 2)
	Strides  [2]int // zero value: PoolSize
	Padding  string // "valid" (default) or "same"

	pool2D
	argmax []int32 // per output element: index within the sample of the max
}

func (l *MaxPooling2D) Type() string     { return "MaxPooling2D" }
func (l *MaxPooling2D) Params() []*Param { return nil }
func (l *MaxPooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	return l.build(in, l.PoolSize, l.Strides, l.Padding)
}

// Forward: x (N, H, W, C) -> y (N, OH, OW, C), remembering each argmax.
func (l *MaxPooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	g := l.geom
	n := batchOf(l, x, l.in)
	l.y = ensureBatch(l.y, n, l.out)
	if cap(l.argmax) < len(l.y.Data) {
		l.argmax = make([]int32, len(l.y.Data))
	}
	l.argmax = l.argmax[:len(l.y.Data)]
	inSize, outSize := g.H*g.W*g.C, g.OH*g.OW*g.C
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xs, ys, am := x.Data[b*inSize:(b+1)*inSize], l.y.Data[b*outSize:(b+1)*outSize], l.argmax[b*outSize:(b+1)*outSize]
			o := 0
			for oh := 0; oh < g.OH; oh++ {
				h0, h1 := span(oh, g.SH, g.PadTop, g.KH, g.H)
				for ow := 0; ow < g.OW; ow++ {
					w0, w1 := span(ow, g.SW, g.PadLeft, g.KW, g.W)
					yr, ar := ys[o:o+g.C], am[o:o+g.C]
					o += g.C
					for c := range yr {
						yr[c] = float32(math.Inf(-1))
					}
					for h := h0; h < h1; h++ {
						for w := w0; w < w1; w++ {
							base := (h*g.W + w) * g.C
							for c, v := range xs[base : base+g.C] {
								if v > yr[c] {
									yr[c], ar[c] = v, int32(base+c)
								}
							}
						}
					}
				}
			}
		}
	})
	return l.y
}

// Backward: each dy goes to the position its max came from.
func (l *MaxPooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	g := l.geom
	n := dy.Shape[0]
	l.dx = ensureBatch(l.dx, n, l.in)
	inSize, outSize := g.H*g.W*g.C, g.OH*g.OW*g.C
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			dx := l.dx.Data[b*inSize : (b+1)*inSize]
			clear(dx)
			for i, d := range dy.Data[b*outSize : (b+1)*outSize] {
				dx[l.argmax[b*outSize+i]] += d
			}
		}
	})
	return l.dx
}

// AveragePooling2D is Keras' AveragePooling2D: with "same" padding each
// window is divided by the number of real (unpadded) elements it covers.
type AveragePooling2D struct {
	named
	PoolSize [2]int // zero value: (2, 2)
	Strides  [2]int // zero value: PoolSize
	Padding  string // "valid" (default) or "same"

	pool2D
}

func (l *AveragePooling2D) Type() string     { return "AveragePooling2D" }
func (l *AveragePooling2D) Params() []*Param { return nil }
func (l *AveragePooling2D) Build(in tensor.Shape, _ *rand.Rand) (tensor.Shape, error) {
	return l.build(in, l.PoolSize, l.Strides, l.Padding)
}

// Forward: x (N, H, W, C) -> y (N, OH, OW, C), the mean of each window.
func (l *AveragePooling2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	g := l.geom
	n := batchOf(l, x, l.in)
	l.y = ensureBatch(l.y, n, l.out)
	inSize, outSize := g.H*g.W*g.C, g.OH*g.OW*g.C
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xs, ys := x.Data[b*inSize:(b+1)*inSize], l.y.Data[b*outSize:(b+1)*outSize]
			clear(ys)
			o := 0
			for oh := 0; oh < g.OH; oh++ {
				h0, h1 := span(oh, g.SH, g.PadTop, g.KH, g.H)
				for ow := 0; ow < g.OW; ow++ {
					w0, w1 := span(ow, g.SW, g.PadLeft, g.KW, g.W)
					yr := ys[o : o+g.C]
					o += g.C
					for h := h0; h < h1; h++ {
						for w := w0; w < w1; w++ {
							base := (h*g.W + w) * g.C
							for c, v := range xs[base : base+g.C] {
								yr[c] += v
							}
						}
					}
					inv := 1 / float32((h1-h0)*(w1-w0))
					for c := range yr {
						yr[c] *= inv
					}
				}
			}
		}
	})
	return l.y
}

// Backward: each dy is spread evenly over its window.
func (l *AveragePooling2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	if !needDx {
		return nil
	}
	g := l.geom
	n := dy.Shape[0]
	l.dx = ensureBatch(l.dx, n, l.in)
	inSize, outSize := g.H*g.W*g.C, g.OH*g.OW*g.C
	kernels.ForEachChunk(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			dx, ds := l.dx.Data[b*inSize:(b+1)*inSize], dy.Data[b*outSize:(b+1)*outSize]
			clear(dx)
			o := 0
			for oh := 0; oh < g.OH; oh++ {
				h0, h1 := span(oh, g.SH, g.PadTop, g.KH, g.H)
				for ow := 0; ow < g.OW; ow++ {
					w0, w1 := span(ow, g.SW, g.PadLeft, g.KW, g.W)
					dr := ds[o : o+g.C]
					o += g.C
					inv := 1 / float32((h1-h0)*(w1-w0))
					for h := h0; h < h1; h++ {
						for w := w0; w < w1; w++ {
							base := (h*g.W + w) * g.C
							d := dx[base : base+g.C]
							for c, v := range dr {
								d[c] += v * inv
							}
						}
					}
				}
			}
		}
	})
	return l.dx
}
