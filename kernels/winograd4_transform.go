package kernels

// The data transforms of Winograd F(4×4, 3×3) over a range of the
// batch's tiles, as winograd_transform.go's for F(2×2, 3×3): tiles whose
// 6×6 patches lie inside the image's width go in runs along a row of
// tiles (the rows of a tile's patch 4·C elements after the previous
// tile's; rows above or below the image read a run of zeros), the others
// one at a time. Outputs are multiples of 4 high and wide, so every run of
// output tiles writes whole rows of its four rows of y.

// inputTiles4 writes the transforms of the batch's tiles [a, b): position
// ξ of tile a+t at v[ξ*stride+t*C:], C values each. d is the caller's
// room for the patch's rows (the scratch's: an array of the frame, handed
// to wino.input4, a function value, would be allocated on every call).
func inputTiles4(g ConvGeom, x, zero []float32, a, b int, v []float32, stride int, d *[36][]float32) {
	th, tw := g.OH/4, g.OW/4
	c := g.C
	jlo, jhi := (g.PadLeft+3)/4, 0 // tile columns [jlo, jhi) read inside the width
	if g.W-6+g.PadLeft >= 0 {
		jhi = (g.W-6+g.PadLeft)/4 + 1
	}
	for tg := a; tg < b; {
		n, p := tg/(th*tw), tg%(th*tw)
		i, j := p/tw, p%tw
		o := v[(tg-a)*c:]
		if j < jlo || j >= jhi {
			inputTile4(g, x, zero, n, i, j, o, stride, d)
			tg++
			continue
		}
		run := min(b, tg+jhi-j) - tg
		ih0, iw0 := 4*i-g.PadTop, 4*j-g.PadLeft
		ln := (run-1)*4*c + c
		for k := range d {
			if ih := ih0 + k/6; ih < 0 || ih >= g.H {
				d[k] = zero[:ln]
				continue
			}
			at := ((n*g.H+ih0+k/6)*g.W + iw0 + k%6) * c
			d[k] = x[at : at+ln]
		}
		wino.input4(d, 4*c, run, c, o, stride)
		tg += run
	}
}

// inputTile4 writes the transform of tile (i, j) of sample n, its patch's
// positions outside the image read from zeros (d is the caller's).
func inputTile4(g ConvGeom, x, zero []float32, n, i, j int, o []float32, stride int, d *[36][]float32) {
	ih0, iw0 := 4*i-g.PadTop, 4*j-g.PadLeft
	c := g.C
	for k := range d {
		ih, iw := ih0+k/6, iw0+k%6
		if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
			d[k] = zero[:c]
			continue
		}
		at := ((n*g.H+ih)*g.W + iw) * c
		d[k] = x[at : at+c]
	}
	wino.input4(d, 0, 1, c, o, stride)
}

// outputTiles4 writes the batch's tiles [a, b) of w.y from their products
// (position ξ of tile a+t at mm[ξ*stride+t*f:]): Aᵀ m A + bias, with relu
// when w.relu; then, run by run, w.res's residual sum and its relu, or
// relu's mask words (w.mask), on the run's four rows of y. dst is the
// caller's room for the rows (see inputTiles4).
func outputTiles4(g ConvGeom, f int, mm []float32, stride int, bias []float32, a, b int, w *winogradChunks, dst *[16][]float32) {
	th, tw := g.OH/4, g.OW/4
	for tg := a; tg < b; {
		n, p := tg/(th*tw), tg%(th*tw)
		i, j := p/tw, p%tw
		run := min(b, tg+tw-j) - tg
		for k := range dst {
			at := ((n*g.OH+4*i+k/4)*g.OW + 4*j + k%4) * f
			dst[k] = w.y[at : at+(run-1)*4*f+f]
		}
		wino.output4(mm[(tg-a)*f:], stride, run, f, bias, dst, 4*f, w.relu && w.res == nil)
		for r := range 4 {
			at, ln := ((n*g.OH+4*i+r)*g.OW+4*j)*f, 4*run*f
			ys := w.y[at : at+ln]
			switch {
			case w.res != nil && w.resFirst:
				ew.add2Relu(ys, w.res[at:at+ln], ys)
			case w.res != nil:
				ew.add2Relu(ys, ys, w.res[at:at+ln])
			case w.mask != nil:
				ew.reluMask(w.mask[at/64:(at+ln)/64], ys)
			}
		}
		tg += run
	}
}

// winogradInput4Go is the F(4×4) input transform Bᵀ d B, a tile at a time:
// tile t's patch row 6r+s at d[6r+s][t*step:], position ξ of its result
// at o[ξ*stride+t*c:], c channels each. Columns first (T = Bᵀ d), then
// rows (T B), each with bt6.
func winogradInput4Go(d *[36][]float32, step, tiles, c int, o []float32, stride int) {
	for t := range tiles {
		for i := range c {
			var tt [36]float32
			for s := range 6 {
				at := t*step + i
				tt[s], tt[6+s], tt[12+s], tt[18+s], tt[24+s], tt[30+s] = bt6(
					d[s][at], d[6+s][at], d[12+s][at], d[18+s][at], d[24+s][at], d[30+s][at])
			}
			for r := range 6 {
				q := tt[6*r:]
				o0, o1, o2, o3, o4, o5 := bt6(q[0], q[1], q[2], q[3], q[4], q[5])
				at := (6*r)*stride + t*c + i
				o[at], o[at+stride], o[at+2*stride], o[at+3*stride], o[at+4*stride], o[at+5*stride] = o0, o1, o2, o3, o4, o5
			}
		}
	}
}

// bt6 is Bᵀ times a column (d0 … d5), with multiplies by powers of two
// only (exact, so fused or not the same bits).
func bt6(d0, d1, d2, d3, d4, d5 float32) (o0, o1, o2, o3, o4, o5 float32) {
	t := d4 - d2
	h := 2 * (d3 - d1)
	return 4*(d0-d2) + t, (d3 + d4) - 4*(d1+d2), (d4 - d3) + 4*(d1-d2), t + h, t - h, 4*(d1-d3) + (d5 - d3)
}

// at6 is Aᵀ times a column (m0 … m5).
func at6(m0, m1, m2, m3, m4, m5 float32) (y0, y1, y2, y3 float32) {
	a, b, c, d := m1+m2, m1-m2, m3+m4, m3-m4
	return (m0 + a) + c, b + 2*d, a + 4*c, (b + 8*d) + m5
}

// winogradOutput4Go is the F(4×4) output transform Aᵀ m A + bias (then
// relu's max(y, 0) when relu), a tile at a time: position ξ of tile t's
// products at m[ξ*stride+t*f:], output 4r+s at dst[4r+s][t*step:], f
// channels each. Rows first (W = m A), then columns (Aᵀ W), each with at6.
func winogradOutput4Go(m []float32, stride, tiles, f int, bias []float32, dst *[16][]float32, step int, relu bool) {
	for t := range tiles {
		for i := range f {
			var w [24]float32
			at := t*f + i
			for r := range 6 {
				q := m[6*r*stride+at:]
				w[4*r], w[4*r+1], w[4*r+2], w[4*r+3] = at6(q[0], q[stride], q[2*stride], q[3*stride], q[4*stride], q[5*stride])
			}
			for j := range 4 {
				var y [4]float32
				y[0], y[1], y[2], y[3] = at6(w[j], w[4+j], w[8+j], w[12+j], w[16+j], w[20+j])
				for k, v := range y {
					v += bias[i]
					if relu {
						v = max(v, 0)
					}
					dst[4*k+j][t*step+i] = v
				}
			}
		}
	}
}
