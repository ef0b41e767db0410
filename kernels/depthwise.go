package kernels

// Depthwise convolution on NHWC data, directly (no im2col: each channel
// meets only its own KH×KW×M slice of the kernel, so a patch matrix would
// be mostly copies). The kernel is Keras' (KH, KW, C, M) with M the depth
// multiplier; output channel c*M+m is channel c filtered by slice m.
// These are the pure-Go loops (inner loops over contiguous channels);
// samples run in parallel and results do not depend on the thread count.

// DepthwiseForward adds into y (N×OH×OW×C·M, holding the bias or zeros)
// the depthwise convolution of x (N×H×W×C) with k.
func DepthwiseForward(g ConvGeom, m int, x, k, y []float32) {
	cm := g.C * m
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := x[b*g.H*g.W*g.C : (b+1)*g.H*g.W*g.C]
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

// DepthwiseBackward, given dz (N×OH×OW×C·M, the gradient at the output
// before any bias), writes dk (KH×KW×C×M) and, when dx is not nil, dx
// (N×H×W×C). part is scratch of N×len(dk): per-sample kernel gradients,
// summed in sample order so the result does not depend on threads.
func DepthwiseBackward(g ConvGeom, m int, x, k, dz, dk, dx, part []float32) {
	cm := g.C * m
	nk := len(dk)
	ForEachChunk(g.N, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := x[b*g.H*g.W*g.C : (b+1)*g.H*g.W*g.C]
			pk := part[b*nk : (b+1)*nk]
			clear(pk)
			var dxb []float32
			if dx != nil {
				dxb = dx[b*g.H*g.W*g.C : (b+1)*g.H*g.W*g.C]
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
	copy(dk, part[:nk])
	for b := 1; b < g.N; b++ {
		AddTo(dk, part[b*nk:(b+1)*nk])
	}
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

// depthwiseMAC: y[c*m+j] += x[c] * k[c*m+j].
func depthwiseMAC(y, x, k []float32, m int) {
	if m == 1 {
		k, y = k[:len(x)], y[:len(x)]
		for c, v := range x {
			y[c] += v * k[c]
		}
		return
	}
	for c, v := range x {
		for j := c * m; j < (c+1)*m; j++ {
			y[j] += v * k[j]
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
			dx[c] += k[c] * dz[c]
		}
		return
	}
	for c := range dx {
		var s float32
		for j := c * m; j < (c+1)*m; j++ {
			s += k[j] * dz[j]
		}
		dx[c] += s
	}
}
