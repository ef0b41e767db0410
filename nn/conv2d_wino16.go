package nn

import (
	"sync/atomic"

	"github.com/cnnscope/cnnscope/kernels"
)

// A 3×3 "same" stride-1 convolution of 16 channels and 16 filters
// (resnet-20's stage-1 layers) runs Winograd F(2×2,3×3) for its forward
// and input gradient (kernels.Wino16Rows: a pair of output rows at a
// time, the transforms in the L1 cache; the input gradient is the
// convolution of dz with the flipped kernel, kernels.DxTapGeom) where
// kernels.Wino16Applies: 2.25 times fewer multiplies than the three-tap
// kernels. Its tiles of output rows, and so its bits, do not depend on
// how Forward and Backward cut the rows, nor on the threads. Its kernel
// gradient, block by block, runs Winograd too, inside
// kernels.ConvKernelGradDirect (kernels.Wino16GradApplies).

// convWino16 holds the transformed weights of the 16-channel Winograd
// path.
type convWino16 struct {
	u, uT   []float32    // forward and input-gradient weights (kernels.Wino16Weights, Wino16FlipWeights)
	fwd, dx int          // tests: Forwards and Backwards that ran it
	grads   atomic.Int64 // tests: kernel-gradient blocks that ran it
	off     bool         // tests and benchmarks: the three-tap kernels instead
}

// countGrad counts a kernel-gradient block of geometry g that
// kernels.ConvKernelGradDirect computed by Winograd (tests).
func (w *convWino16) countGrad(g kernels.ConvGeom, f int) {
	if kernels.Wino16GradApplies(g, f) {
		w.grads.Add(1)
	}
}

// wino16 reports whether Forward and the input gradient run
// kernels.Wino16Rows.
func (l *Conv2D) wino16() bool {
	return !l.legacy && !l.w16.off && kernels.Wino16Applies(l.geom, l.units())
}

// wino16Weights sets the forward transformed weights from the kernel (once
// per Forward, before its tiles).
func (l *Conv2D) wino16Weights() {
	l.w16.u = growSlice(l.w16.u, kernels.Wino16WeightsLen)
	kernels.Wino16Weights(l.kernel.Value.Data, l.w16.u)
	l.w16.fwd++
}

// wino16FlipWeights sets the input gradient's transformed weights from the
// kernel (once per Backward).
func (l *Conv2D) wino16FlipWeights() {
	l.w16.u = growSlice(l.w16.u, kernels.Wino16WeightsLen)
	kernels.Wino16Weights(l.kernel.Value.Data, l.w16.u)
	l.w16.uT = growSlice(l.w16.uT, kernels.Wino16WeightsLen)
	kernels.Wino16FlipWeights(l.w16.u, l.w16.uT)
	l.w16.dx++
}

// directLen is the scratch directRows needs for rows output rows.
func (l *Conv2D) directLen(rows int) int {
	n := kernels.ConvDirectLen(l.geom, rows)
	if l.wino16() {
		n = max(n, kernels.Wino16Len(l.geom))
	}
	return n
}

// wino16InputGrad sets dx's samples [n0, n1) from dz (kernels.Wino16Rows
// over DxTapGeom) on the calling goroutine; buf holds at least
// kernels.Wino16Len(l.geom) values.
func (l *Conv2D) wino16InputGrad(dz []float32, n0, n1 int, dx, buf []float32) {
	g := kernels.DxTapGeom(l.geom, l.units())
	per := g.OH * g.OW
	kernels.Wino16Rows(g, dz, n0*per, n1*per, l.w16.uT, nil, dx[n0*per*16:], buf) // it prefetches the next sample's first rows
}
