package kernels

// Depthwise convolution on NHWC data, directly (no im2col: each channel
// meets only its own KH×KW×M slice of the kernel, so a patch matrix would
// be mostly copies). The kernel is Keras' (KH, KW, C, M) with M the depth
// multiplier; output channel c*M+m is channel c filtered by slice m.
//
// With M = 1 (MobileNet's case) the work runs as vector kernels across the
// contiguous channels (dw: AVX-512, AVX2 or their pure-Go twins) over the
// runs of a plan (depthwise_plan.go), each output accumulated in
// registers. Every implementation gives the same bits. M > 1 runs the
// pixel-by-pixel Go loops below. Samples run in parallel; results do not
// depend on the thread count.

// depthwiseImpl is one implementation of the two depthwise kernels (see
// dwTapsGo and dwGradKGo for their contracts).
type depthwiseImpl struct {
	name  string
	taps  func(y, x, k, init []float32, off []int, n, c, ys, xs int, relu6 bool)
	gradK func(dk, x, dz []float32, off []int, n, c, xs, zs int)
}

// DepthwiseForward adds into y (N×OH×OW×C·M, holding the bias or zeros)
// the depthwise convolution of x (N×H×W×C) with k.
func DepthwiseForward(g ConvGeom, m int, x, k, y []float32) {
	if m != 1 {
		depthwiseForwardPixels(g, m, x, k, y)
		return
	}
	depthwiseForwardWith(dw, g, x, k, nil, false, y, nil, false)
}

// DepthwiseForwardBias is DepthwiseForward into a y it first sets, sample
// by sample just before the sample's sums (while in the cache), to bias
// per output channel, or to zeros when bias is nil; then, unless post is
// nil, it calls post on the sample's output (an activation in place).
func DepthwiseForwardBias(g ConvGeom, m int, x, k, bias, y []float32, post func(yb []float32)) {
	if m != 1 {
		ny := g.OH * g.OW * g.C * m
		ForEachChunk(g.N, 1, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				fillBias(sampleOf(y, b, ny), bias)
			}
		})
		depthwiseForwardPixels(g, m, x, k, y)
		if post != nil {
			post(y)
		}
		return
	}
	depthwiseForwardWith(dw, g, x, k, bias, true, y, post, false)
}

// DepthwiseForwardBiasRelu6 is DepthwiseForwardBias followed by relu6
// (Relu6's bits) on y, without a post: with M = 1 the kernels apply it as
// they store each output (and start each sum from the bias instead of a
// y set first) when the runs write every output.
func DepthwiseForwardBiasRelu6(g ConvGeom, m int, x, k, bias, y []float32) {
	if m != 1 {
		DepthwiseForwardBias(g, m, x, k, bias, y, func(yb []float32) { Relu6(yb, yb) })
		return
	}
	depthwiseForwardWith(dw, g, x, k, bias, true, y, nil, true)
}

// fillBias sets every row of y to bias (rows of len(bias) values, by
// doubling copies), or clears y when bias is nil.
func fillBias(y, bias []float32) {
	n := len(bias)
	if n == 0 {
		clear(y)
		return
	}
	copy(y, bias)
	for done := n; done < len(y); done *= 2 {
		copy(y[done:], y[:done])
	}
}

// DepthwiseBackward, given dz (N×OH×OW×C·M, the gradient at the output
// before any bias), writes dk (KH×KW×C×M) and, when dx is not nil, dx
// (N×H×W×C). part is scratch of N×len(dk): per-sample kernel gradients,
// summed in sample order so the result does not depend on threads.
func DepthwiseBackward(g ConvGeom, m int, x, k, dz, dk, dx, part []float32) {
	if m != 1 {
		depthwiseBackwardPixels(g, m, x, k, dz, dk, dx, part)
		return
	}
	depthwiseBackwardWith(dw, g, x, k, dz, dk, dx, part)
}

// zeroBlock is read-only zeros for the kernels' starting values.
var zeroBlock [4096]float32

// zerosOf returns n zeros (shared and read-only up to len(zeroBlock)).
func zerosOf(n int) []float32 {
	if n <= len(zeroBlock) {
		return zeroBlock[:n:n]
	}
	return make([]float32, n)
}

// sampleOf is sample b of a batch of samples of n elements each.
func sampleOf(v []float32, b, n int) []float32 { return v[b*n : (b+1)*n] }

// depthwiseForwardWith runs the forward plan's runs on every sample; with
// init, the outputs start from the bias (zeros when nil): in y set first,
// or, when the runs write every output (p.covers), from the bias the
// kernels read (also the only case where relu6 goes into the kernels'
// stores; otherwise Relu6 runs on each sample after its sums).
func depthwiseForwardWith(impl *depthwiseImpl, g ConvGeom, x, k, bias []float32, init bool, y []float32, post func([]float32), relu6 bool) {
	depthwiseForwardHooked(impl, g, x, k, bias, init, y, post, relu6, SampleHooks{})
}

// depthwiseForwardHooked is depthwiseForwardWith with hooks around each
// sample's work.
func depthwiseForwardHooked(impl *depthwiseImpl, g ConvGeom, x, k, bias []float32, init bool, y []float32, post func([]float32), relu6 bool, h SampleHooks) {
	p := depthwisePlan(g, false)
	nx, ny := g.H*g.W*g.C, g.OH*g.OW*g.C
	var from []float32
	if init && p.covers {
		if from = bias; from == nil {
			from = zerosOf(g.C)
		}
	}
	inKernel := relu6 && from != nil
	h.each(g.N, x, nx, func(b int, xb []float32) {
		yb := sampleOf(y, b, ny)
		if init && from == nil {
			fillBias(yb, bias)
		}
		for _, r := range p.runs {
			impl.taps(yb[r.y:], xb, k, from, p.off[r.t0:r.t1], r.n, g.C, p.ys, p.xs, inKernel)
		}
		if relu6 && !inKernel {
			Relu6(yb, yb)
		}
		if post != nil {
			post(yb)
		}
	})
}

// depthwiseBackwardWith: the weight gradient over the forward plan's runs
// (per sample, into part), the input gradient gathered over the
// input-gradient plan's runs, each sum starting from zeros the kernels
// read when the runs write every input pixel (else from a cleared dx).
func depthwiseBackwardWith(impl *depthwiseImpl, g ConvGeom, x, k, dz, dk, dx, part []float32) {
	depthwiseBackwardHooked(impl, g, x, k, dz, dk, dx, part, SampleHooks{})
}

// depthwiseBackwardHooked is depthwiseBackwardWith with hooks around each
// sample's work.
func depthwiseBackwardHooked(impl *depthwiseImpl, g ConvGeom, x, k, dz, dk, dx, part []float32, h SampleHooks) {
	fp, bp := depthwisePlan(g, false), depthwisePlan(g, true)
	nx, nz, nk := g.H*g.W*g.C, g.OH*g.OW*g.C, len(dk)
	var zeros []float32
	if bp.covers {
		zeros = zerosOf(g.C)
	}
	h.each(g.N, x, nx, func(b int, xb []float32) {
		dzb, pk := sampleOf(dz, b, nz), sampleOf(part, b, nk)
		clear(pk)
		for _, r := range fp.runs {
			impl.gradK(pk, xb, dzb[r.y:], fp.off[r.t0:r.t1], r.n, g.C, fp.xs, fp.ys)
		}
		if dx == nil {
			return
		}
		dxb := sampleOf(dx, b, nx)
		if zeros == nil {
			clear(dxb)
		}
		for _, r := range bp.runs {
			impl.taps(dxb[r.y:], dzb, k, zeros, bp.off[r.t0:r.t1], r.n, g.C, bp.ys, bp.xs, false)
		}
	})
	sumParts(dk, part, g.N)
}

// sumParts writes into dk the sum of the n per-sample gradients in part,
// in sample order.
func sumParts(dk, part []float32, n int) {
	nk := len(dk)
	copy(dk, part[:nk])
	for b := 1; b < n; b++ {
		AddTo(dk, part[b*nk:(b+1)*nk])
	}
}

// depthwiseForwardPixels is DepthwiseForward pixel by pixel, tap by tap,
// for any depth multiplier (the loop the vector kernels replaced for M = 1).
func depthwiseForwardPixels(g ConvGeom, m int, x, k, y []float32) {
	cm := g.C * m
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := sampleOf(x, b, g.H*g.W*g.C)
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					yo := y[((b*g.OH+oh)*g.OW+ow)*cm : ((b*g.OH+oh)*g.OW+ow+1)*cm]
					g.eachTap(oh, ow, func(tap, pix int) {
						xs, ks := xb[pix*g.C:(pix+1)*g.C], k[tap*cm:(tap+1)*cm]
						depthwiseMAC(yo, xs, ks, m)
					})
				}
			}
		}
	})
}

// depthwiseBackwardPixels is DepthwiseBackward pixel by pixel, scattering
// into dx, for any depth multiplier.
func depthwiseBackwardPixels(g ConvGeom, m int, x, k, dz, dk, dx, part []float32) {
	cm := g.C * m
	nk := len(dk)
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := sampleOf(x, b, g.H*g.W*g.C)
			pk := sampleOf(part, b, nk)
			clear(pk)
			var dxb []float32
			if dx != nil {
				dxb = sampleOf(dx, b, g.H*g.W*g.C)
				clear(dxb)
			}
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					dzo := dz[((b*g.OH+oh)*g.OW+ow)*cm : ((b*g.OH+oh)*g.OW+ow+1)*cm]
					g.eachTap(oh, ow, func(tap, pix int) {
						xs := xb[pix*g.C : (pix+1)*g.C]
						depthwiseOuter(pk[tap*cm:(tap+1)*cm], xs, dzo, m)
						if dxb != nil {
							depthwiseDot(dxb[pix*g.C:(pix+1)*g.C], k[tap*cm:(tap+1)*cm], dzo, m)
						}
					})
				}
			}
		}
	})
	sumParts(dk, part, g.N)
}

// eachTap calls fn for every kernel tap (kh*KW+kw) of output (oh, ow) that
// falls inside the input, with the input pixel (ih*W+iw) it reads.
func (g ConvGeom) eachTap(oh, ow int, fn func(tap, pix int)) {
	for kh := 0; kh < g.KH; kh++ {
		ih := oh*g.SH - g.PadTop + kh
		if ih < 0 || ih >= g.H {
			continue
		}
		for kw := 0; kw < g.KW; kw++ {
			iw := ow*g.SW - g.PadLeft + kw
			if iw < 0 || iw >= g.W {
				continue
			}
			fn(kh*g.KW+kw, ih*g.W+iw)
		}
	}
}

// depthwiseMAC: y[c*m+j] += x[c] * k[c*m+j] (each product rounded first).
func depthwiseMAC(y, x, k []float32, m int) {
	if m == 1 {
		k, y = k[:len(x)], y[:len(x)]
		for c, v := range x {
			y[c] += float32(v * k[c])
		}
		return
	}
	for c, v := range x {
		for j := c * m; j < (c+1)*m; j++ {
			y[j] += float32(v * k[j])
		}
	}
}

// depthwiseOuter: dk[c*m+j] += x[c] * dz[c*m+j].
func depthwiseOuter(dk, x, dz []float32, m int) { depthwiseMAC(dk, x, dz, m) }

// depthwiseDot: dx[c] += Σ_j k[c*m+j] * dz[c*m+j].
func depthwiseDot(dx, k, dz []float32, m int) {
	if m == 1 {
		k, dz = k[:len(dx)], dz[:len(dx)]
		for c := range dx {
			dx[c] += float32(k[c] * dz[c])
		}
		return
	}
	for c := range dx {
		var s float32
		for j := c * m; j < (c+1)*m; j++ {
			s += float32(k[j] * dz[j])
		}
		dx[c] += s
	}
}
