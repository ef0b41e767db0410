package nn

import (
	"math"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// winograd is a Conv2D's state for Winograd F(2×2, 3×3)
// (kernels.WinogradConv): the transformed kernels and the scratch of a
// chunk of tiles (winogradTileBytes).
//
// The kernel transforms are cached with a copy of the kernel they were
// computed from and recomputed when the kernel's bits differ from it:
// once per Forward in training (the optimizer changed the weights), never
// at inference, and after any outside change (loaded weights, a test
// setting them) without the layer being told.
type winograd struct {
	mode    winogradMode
	w       []float32      // the kernel u and uFlip come from
	u       *tensor.Tensor // forward: 16 × C × F
	uFlip   *tensor.Tensor // input gradient: 16 × F × C
	flipOK  bool           // uFlip matches w
	scratch *tensor.Tensor
}

// winogradMode chooses between Winograd and the direct (im2col) path;
// only tests and benchmarks set it.
type winogradMode int

const (
	winogradAuto winogradMode = iota // where it applies and pays (useWinograd)
	winogradOff                      // never
	winogradOn                       // wherever it applies, whatever the channels
)

// winogradMinChannels is the fewest input and output channels for which
// Winograd runs by default. The transforms are scalar Go, linear in the
// channels, while the products saved grow with input × output channels.
// BenchmarkConv3x3 (batch 32, 2 threads, process CPU ms per op, load
// average 14-15 on the 2 cores, inference / training step, Winograd vs
// direct): 3 -> 32 slower (64 px: 17 vs 12, 62 vs 34); 32 -> 32 level or
// slower (64 px: 33 vs 31, 125 vs 105); 64 -> 64 mixed (16x16: 5.7 vs
// 5.8, 20.3 vs 20.1; 32x32: 23 vs 25, 90 vs 98; 64x64: 80 vs 131, 292 vs
// 412; an earlier run at 32x32: 36 vs 31, 109 vs 143); 128 -> 128 at
// 32x32: 87 vs 86, 249 vs 351; 256 -> 256 at 16x16: 64 vs 100, 283 vs
// 454. So it is on from 128 channels, where it won, and off for
// vgg-small's and resnet-20's layers.
const winogradMinChannels = 128

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

// winogradForward writes the convolution of x (plus the bias) into y,
// before the activation.
func (l *Conv2D) winogradForward(x, y []float32) {
	g, f := l.geom, l.Filters
	l.wino.refresh(l.kernel.Value.Data, g.C, f)
	chunk := kernels.WinogradChunk(g, f, l.tileBudget())
	var bias []float32
	if l.bias != nil {
		bias = l.bias.Value.Data
	}
	kernels.WinogradConv(g, f, x, l.wino.u.Data, bias, y, l.wino.scratchFor(g, f, chunk), chunk)
	// Backward recomputes the patches tile by tile for the kernel gradient.
	l.cols = tensor.Ensure(l.cols, l.tileRows(), g.Cols())
	l.colsWhole = false
}

// winogradBackward overwrites dx with the input gradient of dz when
// Winograd applies (the convolution of dz with the flipped kernel) and
// reports whether it did.
func (l *Conv2D) winogradBackward(dz, dx []float32) bool {
	if !l.useWinograd() {
		return false
	}
	g, f := l.geom, l.Filters
	l.wino.refresh(l.kernel.Value.Data, g.C, f)
	if !l.wino.flipOK {
		l.wino.uFlip = tensor.Ensure(l.wino.uFlip, kernels.WinogradKernelLen(f, g.C))
		kernels.WinogradKernel(l.wino.w, g.C, f, true, l.wino.uFlip.Data)
		l.wino.flipOK = true
	}
	dg := kernels.WinogradDxGeom(g, f)
	chunk := kernels.WinogradChunk(dg, g.C, l.tileBudget())
	kernels.WinogradConv(dg, g.C, dz, l.wino.uFlip.Data, nil, dx, l.wino.scratchFor(dg, g.C, chunk), chunk)
	return true
}

// winogradCache is the values a layer that runs Winograd keeps beside its
// kernel (the two transformed kernels and the copy they come from),
// counted with the weights in the memory estimate; its chunk scratch
// (counted with the tiles) replaces the tile of dcols that Backward no
// longer needs.
func (l *Conv2D) winogradCache() float64 {
	if !l.useWinograd() {
		return 0
	}
	return (16 + 16 + 9) * float64(l.geom.C) * float64(l.Filters)
}

// tileBudget is the bytes of a Winograd chunk's scratch (winogradTileBytes
// unless a test set the tile size).
func (l *Conv2D) tileBudget() int {
	if l.tileBytes > 0 {
		return l.tileBytes
	}
	return winogradTileBytes
}

// winogradTileBytes bounds a Winograd convolution's transformed tiles
// (measured with 4 MiB, the size im2col tiles had then).
const winogradTileBytes = 4 << 20

// refresh recomputes u when the kernel w (3×3×c×f) differs from the one
// it came from.
func (s *winograd) refresh(w []float32, c, f int) {
	if len(s.w) == len(w) && sameBits(s.w, w) {
		return
	}
	s.w = append(s.w[:0], w...)
	s.u = tensor.Ensure(s.u, kernels.WinogradKernelLen(c, f))
	kernels.WinogradKernel(w, c, f, false, s.u.Data)
	s.flipOK = false
}

func (s *winograd) scratchFor(g kernels.ConvGeom, f, chunk int) []float32 {
	s.scratch = tensor.Ensure(s.scratch, kernels.WinogradScratchLen(g, f, chunk))
	return s.scratch.Data
}

// sameBits reports whether a and b (of equal length) hold the same bits
// (NaNs included, so a NaN kernel does not force a transform per call).
func sameBits(a, b []float32) bool {
	b = b[:len(a)]
	for i, v := range a {
		if math.Float32bits(v) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
