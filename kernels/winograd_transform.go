package kernels

// The data transforms of WinogradConv over a range of the batch's tiles,
// a run along a row of tiles per call of the implementation (the rows of
// a tile's patch 2·C elements after the previous tile's). The input
// transform's runs take in the tiles cut by the image's left and right
// edges at their ends (positions outside the image read as zeros, never
// from x); the others cut their runs at the end of a row and one tile at
// a time where the output's edge cuts a tile.

// winogradZeroLen is the zeros the transforms of g read (the longest run
// of a row of tiles, or f values of a missing bias or gradient).
func winogradZeroLen(g ConvGeom, f int) int {
	return max(f, g.C*(g.OW+1)) // (2·tiles per row - 1)·C or more
}

// inputTiles writes the transforms of the batch's tiles [a, b): position ξ
// of tile a+t at v[ξ*stride+t*C:], C values. zero holds
// winogradZeroLen(g, f) zeros. A run covers a row of tiles (as much of it
// as [a, b) holds) when only its first and last tiles reach outside the
// image's width, as with paddings up to 2; else the tiles further out go
// one at a time.
func inputTiles(g ConvGeom, x, zero []float32, a, b int, v []float32, stride int) {
	th, tw := (g.OH+1)/2, (g.OW+1)/2
	c := g.C
	// Tile columns [jlo, jhi) read inside the image's width.
	jlo, jhi := (g.PadLeft+1)/2, insideEnd(g.W, g.PadLeft)
	var off [4]int
	for tg := a; tg < b; {
		n, p := tg/(th*tw), tg%(th*tw)
		i, j := p/tw, p%tw
		run := 1
		if j >= jlo-1 && j < jhi { // a left edge tile, then the inside ones, then a right edge tile
			end := min(b-tg+j, tw, jhi)
			if end == jhi && end < min(b-tg+j, tw) {
				end++
			}
			run = end - j
		}
		ih0, iw0 := 2*i-g.PadTop, 2*j-g.PadLeft
		var rows uint
		for r := range off {
			off[r] = 0
			if ih := ih0 + r; ih >= 0 && ih < g.H {
				rows |= 1 << r
				off[r] = ((n*g.H+ih)*g.W + iw0) * c
			}
		}
		first, last := winoCols(iw0, g.W), winoCols(iw0+2*(run-1), g.W)
		wino.inputRow(x, &off, rows, first, last, zero, 2*c, run, c, v[(tg-a)*c:], stride)
		tg += run
	}
}

// winoCols is the bits s < 4 of the columns iw0+s inside [0, w).
func winoCols(iw0, w int) uint {
	var m uint
	for s := range 4 {
		if iw := iw0 + s; iw >= 0 && iw < w {
			m |= 1 << s
		}
	}
	return m
}

// insideEnd is one past the last tile index whose 4 input positions
// (from 2i - pad) lie inside size.
func insideEnd(size, pad int) int {
	if size-4+pad < 0 {
		return 0
	}
	return (size-4+pad)/2 + 1
}

// outputTiles writes the batch's tiles [a, b) of y (N×OH×OW×f) from their
// products (position ξ of tile a+t at mm[ξ*stride+t*f:]): Aᵀ m A + bias,
// with Aᵀ = [1 1 1 0; 0 1 -1 -1], and relu's max(y, 0) when relu;
// positions beyond OH or OW (odd sizes) are dropped. With a mask
// (WinogradConvMask: even sizes), each run's two rows of y then set their
// words of relu's mask.
func outputTiles(g ConvGeom, f int, mm []float32, stride int, bias []float32, relu bool, a, b int, y []float32, mask []uint64) {
	th, tw := (g.OH+1)/2, (g.OW+1)/2
	var dst [4][]float32
	var buf *[4][64]float32 // for the tiles cut by the edge of y
	for tg := a; tg < b; {
		n, p := tg/(th*tw), tg%(th*tw)
		i, j := p/tw, p%tw
		m := mm[(tg-a)*f:]
		if 2*i+1 >= g.OH || 2*j+1 >= g.OW {
			if buf == nil {
				buf = new([4][64]float32)
			}
			outputEdge(g, f, m, stride, bias, relu, n, i, j, y, buf, &dst)
			tg++
			continue
		}
		run := min(b, tg+g.OW/2-j) - tg
		for k := range dst {
			at := ((n*g.OH+2*i+k/2)*g.OW + 2*j + k%2) * f
			dst[k] = y[at : at+(run-1)*2*f+f]
		}
		wino.output(m, stride, run, f, bias, &dst, 2*f, relu)
		if mask != nil {
			for r := range 2 {
				at, ln := ((n*g.OH+2*i+r)*g.OW+2*j)*f, 2*run*f
				ew.reluMask(mask[at/64:(at+ln)/64], y[at:at+ln])
			}
		}
		tg += run
	}
}

// outputTilesResidual is outputTiles without relu (even output sizes:
// no edge tiles) followed, run by run, by Add2Relu of each of the run's
// two rows of y with the same rows of res (res first when resFirst).
func outputTilesResidual(g ConvGeom, f int, mm []float32, stride int, bias []float32, a, b int, y, res []float32, resFirst bool) {
	tw := g.OW / 2
	var dst [4][]float32
	for tg := a; tg < b; {
		n, p := tg/(g.OH/2*tw), tg%(g.OH/2*tw)
		i, j := p/tw, p%tw
		run := min(b, tg+tw-j) - tg
		for k := range dst {
			at := ((n*g.OH+2*i+k/2)*g.OW + 2*j + k%2) * f
			dst[k] = y[at : at+(run-1)*2*f+f]
		}
		wino.output(mm[(tg-a)*f:], stride, run, f, bias, &dst, 2*f, false)
		for r := range 2 {
			at, ln := ((n*g.OH+2*i+r)*g.OW+2*j)*f, 2*run*f
			ys, rs := y[at:at+ln], res[at:at+ln]
			if resFirst {
				ew.add2Relu(ys, rs, ys)
			} else {
				ew.add2Relu(ys, ys, rs)
			}
		}
		tg += run
	}
}

// outputEdge writes tile (i, j) of sample n, cut by the bottom or right
// edge of y: a block of channels at a time into buf, then the positions
// inside y (buf and dst are the caller's, allocated once per call of
// outputTiles).
func outputEdge(g ConvGeom, f int, m []float32, stride int, bias []float32, relu bool, n, i, j int, y []float32, buf *[4][64]float32, dst *[4][]float32) {
	oh0, ow0 := 2*i, 2*j
	for c0 := 0; c0 < f; c0 += len(buf[0]) {
		c1 := min(f, c0+len(buf[0]))
		for k := range dst {
			dst[k] = buf[k][:c1-c0]
		}
		wino.output(m[c0:], stride, 1, c1-c0, bias[c0:c1], dst, 0, relu)
		for k := range dst {
			oh, ow := oh0+k/2, ow0+k%2
			if oh < g.OH && ow < g.OW {
				copy(y[((n*g.OH+oh)*g.OW+ow)*f+c0:], dst[k])
			}
		}
	}
}
