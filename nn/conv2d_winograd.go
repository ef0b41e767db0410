package nn

import (
	"bytes"
	"math"
	"unsafe"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// winograd is a Conv2D's state for Winograd F(2×2, 3×3)
// (kernels.WinogradConv): the transformed kernels and the scratch of the
// kernel gradient's chunks of tiles (winogradTileBytes; the convolutions'
// chunks run in the kernels' threads' own scratch).
//
// The kernel transforms are cached with a copy of the kernel they were
// computed from and recomputed when the kernel's bits differ from it:
// once per Forward in training (the optimizer changed the weights), never
// at inference, and after any outside change (loaded weights, a test
// setting them) without the layer being told.
type winograd struct {
	mode    winogradMode
	f2only  bool           // F(2×2, 3×3) even where F(4×4, 3×3) applies (benchmarks' A/B)
	w       []float32      // the kernel u and uFlip come from
	u       *tensor.Tensor // forward: 16 (F(4×4): 36) × C × F
	uFlip   *tensor.Tensor // input gradient: 16 × F × C
	uOK     bool           // u matches w
	u4      bool           // u is F(4×4, 3×3)'s
	flipOK  bool           // uFlip matches w
	scratch *tensor.Tensor
	same    bool // the kernel is the one of the last refresh: no check (setSameWeights)
}

// winoFns is one Winograd algorithm's convolutions (kernels'
// F(2×2, 3×3) or F(4×4, 3×3)).
type winoFns struct {
	conv     func(g kernels.ConvGeom, f int, x, u, bias, y []float32, relu bool, chunk int)
	mask     func(g kernels.ConvGeom, f int, x, u, bias, y []float32, mask []uint64, chunk int)
	residual func(g kernels.ConvGeom, f int, x, u, bias, y, res []float32, resFirst bool, chunk int)
	chunk    func(g kernels.ConvGeom, f, bytes int) int
}

var (
	winoF2 = winoFns{kernels.WinogradConv, kernels.WinogradConvMask, kernels.WinogradConvResidual, kernels.WinogradChunk}
	winoF4 = winoFns{kernels.Winograd4Conv, kernels.Winograd4ConvMask, kernels.Winograd4ConvResidual, kernels.Winograd4Chunk}
)

// winograd4 reports whether an inference Forward of geometry g runs
// F(4×4, 3×3): 2.25 multiplies per output instead of 4, wherever the
// output is in whole 4×4 tiles (kernels.Winograd4Applies). Training
// (Forward, dx, the kernel gradient) stays F(2×2, 3×3): its rounding error
// is about 20× smaller (kernels' tests), which the PyTorch-golden
// training runs hold to, and F(4×4) gained about 1% of a resnet-20
// training step (scripts/BENCH.md).
func (l *Conv2D) winograd4(g kernels.ConvGeom) bool {
	return !l.wino.f2only && kernels.Winograd4Applies(g)
}

// setSameWeights tells the layer whether its weights are those of its
// previous Forward (on for the later micro-batches of one inference
// Forward, graph_micro.go): its Winograd kernel transform is then not
// checked against them.
func (l *Conv2D) setSameWeights(on bool) { l.wino.same = on }

// winogradMode chooses between Winograd and the direct (im2col) path;
// only tests and benchmarks set it.
type winogradMode int

const (
	winogradAuto winogradMode = iota // where it applies and pays (useWinograd)
	winogradOff                      // never
	winogradOn                       // wherever it applies, whatever the channels
)

// winogradMinChannels is the fewest input and output channels for which
// Winograd runs by default. With the transforms in AVX-512 (kernels'
// winograd_amd64.s) it saves time from 32 channels on. BenchmarkConv3x3,
// batch 32, one thread (-cpu 1), process CPU ms per op, inference /
// training step, Winograd vs direct, load average 1.9-2.5 (two other
// sessions building): 3 -> 32 slower (64 px: 13.2 vs 8.8, 53 vs 29);
// 32 -> 32 at 32x32: 7.2 vs 9.7, 23 vs 27; at 64x64: 25.7 vs 30.9, 87
// vs 106; at 128x128: 99.6 vs 123, 326 vs 429 (70 vs 94 with today's
// 1 MiB chunks instead of 4 MiB); 32 -> 64 at 16x16: 3.2 vs 4.1, 10.2 vs
// 11.3; 64 -> 64 at 16x16: 5.2 vs 7.2, 17.1 vs 24.0; at 32x32: 18.2 vs
// 28.1, 69 vs 93. A whole training step (interleaved with a copy running
// the direct path, one thread, load 3-6): vgg-small 64 px 265 vs 359 ms,
// 128 px 943 vs 1195; resnet-20 32 px 142 vs 167. So it is on from 32
// channels (vgg-small's layers after the first, resnet-20's 32- and
// 64-channel ones).
const winogradMinChannels = 32

// useWinograd reports whether Forward (and Backward's dx) run Winograd:
// a 3×3 stride-1 kernel with enough channels. It depends on the
// configuration and input shape only.
func (l *Conv2D) useWinograd() bool {
	g := l.geom
	switch {
	case l.wino.mode == winogradOff || !kernels.WinogradApplies(g):
		return false
	case l.wino.mode == winogradOn:
		return true
	}
	return g.C >= winogradMinChannels && l.Filters >= winogradMinChannels
}

// winogradForward writes the convolution of x (plus the bias) into y:
// with a residual (conv2d_residual.go), relu(y + res); with a relu
// activation, relu applied too, in the output transform while
// the values are in registers (the same bits as a pass of kernels.Relu
// after it), and relu's mask kept when the layer keeps it; otherwise
// before the activation. It reports whether it applied the activation.
// The mask's words are set run by run in the kernels' chunks where they
// can be (kernels.WinogradConvMask: 32k filters, even output sizes), with
// y in cache, else in a pass over y after it. An inference Forward runs
// F(4×4, 3×3) where it applies (winograd4).
func (l *Conv2D) winogradForward(x, y []float32, training bool) (activated bool) {
	g, f := l.geom, l.Filters
	f4 := !training && l.winograd4(g)
	l.wino.refresh(l.kernel.Value.Data, g.C, f, f4)
	fn, u := &winoF2, l.wino.u.Data
	if f4 {
		fn = &winoF4
	}
	chunk := fn.chunk(g, f, l.tileBudget(training))
	var bias []float32
	if l.bias != nil {
		bias = l.bias.Value.Data
	}
	relu := l.act.name == "relu"
	switch {
	case l.res.x != nil && kernels.WinogradResidualApplies(g):
		fn.residual(g, f, x, u, bias, y, l.res.x, l.res.first, chunk)
	case l.res.x != nil:
		fn.conv(g, f, x, u, bias, y, false, chunk)
		l.residualAll(y)
	case relu && l.maskOut && kernels.WinogradFusesMask(g, f):
		l.mask = sizeMask(l.mask, len(y))
		fn.mask(g, f, x, u, bias, y, l.mask, chunk)
	case relu && l.maskOut:
		fn.conv(g, f, x, u, bias, y, true, chunk)
		l.mask = keepReluMask(l.mask, y)
	default:
		fn.conv(g, f, x, u, bias, y, relu, chunk)
	}
	return relu || l.res.x != nil
}

// sizeMask returns mask with room for one bit per value of n, reusing its
// array when it can.
func sizeMask(mask []uint64, n int) []uint64 {
	words := (n + 63) / 64
	if cap(mask) < words {
		return make([]uint64, words)
	}
	return mask[:words]
}

// winogradBackward overwrites dx with the input gradient of dz when
// Winograd applies (the convolution of dz with the flipped kernel) and
// reports whether it did.
func (l *Conv2D) winogradBackward(dz, dx []float32) bool {
	if !l.useWinograd() {
		return false
	}
	g, f := l.geom, l.Filters
	dg := kernels.WinogradDxGeom(g, f)
	l.wino.refresh(l.kernel.Value.Data, g.C, f, false)
	l.wino.refreshFlip(g.C, f)
	kernels.WinogradConv(dg, g.C, dz, l.wino.uFlip.Data, nil, dx, false, kernels.WinogradChunk(dg, g.C, l.tileBudget(true)))
	return true
}

// winogradKernelGrad overwrites the kernel gradient with that of dz (the
// gradient before the activation) when Winograd applies
// (kernels.WinogradKernelGrad: no patches are recomputed) and reports
// whether it did.
func (l *Conv2D) winogradKernelGrad(dz []float32) bool {
	if !l.useWinograd() {
		return false
	}
	g, f := l.geom, l.Filters
	chunk := kernels.WinogradChunk(g, f, l.tileBudget(true))
	kernels.WinogradKernelGrad(g, f, l.x, dz, l.kernel.Grad.Data, l.gradScratch(kernels.WinogradGradScratchLen(g, f, chunk)), chunk)
	return true
}

// gradScratch returns n values of scratch for the Winograd kernel
// gradient: the model's, which its layers share (arena.scratch), or the
// layer's own outside a model.
func (l *Conv2D) gradScratch(n int) []float32 {
	if l.arena != nil {
		return l.arena.scratchFor(n)
	}
	return l.wino.scratchFor(n)
}

// winogradCache is the values a layer that runs Winograd keeps beside its
// kernel (the two transformed kernels, the forward one 36 × C × F at most
// (F(4×4)),
// the copy they come from and the sums of the kernel gradient), counted with the weights in the memory
// estimate; its chunk scratch (winogradTiles) replaces the patch tiles.
func (l *Conv2D) winogradCache() float64 {
	if !l.useWinograd() {
		return 0
	}
	return (36 + 16 + 9 + 16) * float64(l.geom.C) * float64(l.Filters)
}

// winogradTiles is the scratch of a chunk of Winograd tiles
// (kernels.WinogradScratchLen, Winograd4ScratchLen), in values: for one
// sample's tiles, and for a chunk of the byte budget (the most), the
// larger of the two algorithms' (with inference's budget, the larger).
func (l *Conv2D) winogradTiles() (perSample, most float64) {
	g, f := l.geom, l.Filters
	g.N = 1
	budget := max(l.tileBudget(false), l.tileBudget(true))
	chunk := kernels.WinogradChunk(g, f, math.MaxInt)
	perSample = float64(kernels.WinogradScratchLen(g, f, chunk))
	most = float64(kernels.WinogradScratchLen(g, f, max(1, budget/(64*(g.C+f)))))
	if kernels.Winograd4Applies(g) {
		chunk = kernels.Winograd4Chunk(g, f, math.MaxInt)
		perSample = max(perSample, float64(kernels.Winograd4ScratchLen(g, f, chunk)))
		most = max(most, float64(kernels.Winograd4ScratchLen(g, f, max(1, budget/(144*(g.C+f))))))
	}
	return perSample, most
}

// tileBudget is the bytes of a Winograd chunk's scratch: in training
// (Forward, the input and kernel gradients) winogradTrainTileBytes, else
// winogradTileBytes, unless a test set the tile size.
func (l *Conv2D) tileBudget(training bool) int {
	switch {
	case l.tileBytes > 0:
		return l.tileBytes
	case training:
		return winogradTrainTileBytes
	}
	return winogradTileBytes
}

// winogradTileBytes bounds a Winograd convolution's transformed tiles and
// their products: 1 MiB keeps a chunk in the 2 MiB L2 from the input
// transform to the output transform. vgg-small's 32 -> 32 at 128 px, batch
// 32, one thread, inference, CPU ms per op (2 rounds, load 3.3): 512 KiB
// 79-87, 1 MiB 69-70, 4 MiB 92-97; 64 -> 64 at 32x32: 13.7-15.7,
// 13.1-13.2, 17.6-18.6.
const winogradTileBytes = 1 << 20

// winogradTrainTileBytes is winogradTileBytes for training's F(2×2, 3×3)
// chunks, retuned on a Zen 5 host (1 MiB of L2 per core). resnet-20 batch
// 32, in-process A/B (copies whose 32- and 64-channel layers' budget was
// 1 MiB or 512 KiB, training steps alternated, medians over 30-40 rounds
// of process CPU ms, load 5-9 from other sessions), six runs at 1 and 2
// threads: 512 KiB ahead in ten of the twelve by 0.1-0.7 ms of 27-31,
// level in two; 256 KiB about as 512. vgg-small 32, 64 and 128 px and
// basic-cnn training within ±1.5%. Inference keeps 1 MiB (vgg-small 64 px
// inference was 5% slower with 512 KiB in one run). The kernel gradient
// sums its chunks in order, so the chunk sets its bits.
const winogradTrainTileBytes = 512 << 10

// refresh recomputes u for F(4×4, 3×3) (f4) or F(2×2, 3×3) when the
// kernel w (3×3×c×f) differs from the one it came from (unless same says
// it cannot) or u is the other algorithm's.
func (s *winograd) refresh(w []float32, c, f int, f4 bool) {
	if len(s.w) != len(w) || !(s.same || sameBits(s.w, w)) {
		s.w = append(s.w[:0], w...)
		s.uOK, s.flipOK = false, false
	}
	if s.uOK && s.u4 == f4 {
		return
	}
	if f4 {
		s.u = tensor.Ensure(s.u, kernels.Winograd4KernelLen(c, f))
		kernels.Winograd4Kernel(w, c, f, false, s.u.Data)
	} else {
		s.u = tensor.Ensure(s.u, kernels.WinogradKernelLen(c, f))
		kernels.WinogradKernel(w, c, f, false, s.u.Data)
	}
	s.uOK, s.u4 = true, f4
}

// refreshFlip recomputes uFlip, the input gradient's kernel, from u (the
// F(2×2, 3×3) transform of the last refresh: kernels.WinogradFlipFrom)
// when it does not match the kernel.
func (s *winograd) refreshFlip(c, f int) {
	if s.flipOK {
		return
	}
	if s.u4 {
		panic("nn: refreshFlip after an F(4x4) refresh")
	}
	s.uFlip = tensor.Ensure(s.uFlip, kernels.WinogradKernelLen(f, c))
	kernels.WinogradFlipFrom(s.u.Data, c, f, s.uFlip.Data)
	s.flipOK = true
}

// scratchFor returns the layer's Winograd scratch, at least n values.
func (s *winograd) scratchFor(n int) []float32 {
	if s.scratch == nil || len(s.scratch.Data) < n {
		s.scratch = tensor.Ensure(s.scratch, n)
	}
	return s.scratch.Data
}

// sameBits reports whether a and b (of equal length) hold the same bits
// (NaNs included, so a NaN kernel does not force a transform per call):
// their bytes compared by bytes.Equal (the runtime's vectorized compare;
// it runs on every inference call, a Go loop cost 2-3% of basic-cnn's).
func sameBits(a, b []float32) bool {
	if len(a) == 0 {
		return true
	}
	b = b[:len(a)]
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 4*len(b)))
}
