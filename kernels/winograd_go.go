package kernels

// winogradImpl is one implementation of the Winograd data transforms:
// the assembly (winograd_amd64.s) or the pure-Go twins below, which give
// the same bits (the same additions in the same order).
type winogradImpl struct {
	name string
	// inputRow writes Bᵀ d B for a run of tiles tiles: tile t's patch
	// position (r, s) at x[off[r]+s*c+t*step:] where row r lies inside
	// the image (bit r of rows) and column s too (bit s of first for tile
	// 0, of last for tile tiles-1, of both for a single tile; every
	// column of the others), zeros otherwise (zero holds
	// (tiles-1)*step+c of them); position ξ of its result at
	// o[ξ*stride+t*c:], c channels each. The positions outside are never
	// read.
	inputRow func(x []float32, off *[4]int, rows, first, last uint, zero []float32, step, tiles, c int, o []float32, stride int)
	// output writes Aᵀ m A + bias for tiles tiles (with relu, max of that
	// and 0, as Relu): position ξ of tile t's products at
	// m[ξ*stride+t*f:], output k at dst[k][t*step:], f channels each.
	output func(m []float32, stride, tiles, f int, bias []float32, dst *[4][]float32, step int, relu bool)
	// gradOut writes A dy Aᵀ for tiles tiles: output k of tile t's
	// gradient at dy[k][t*step:], position ξ of its result at
	// o[ξ*stride+t*f:], f channels each.
	gradOut func(dy *[4][]float32, step, tiles, f int, o []float32, stride int)
	// gemm writes c (rows × n) = a (rows × k) · b (k × n), all dense and
	// row-major: one of a chunk's 16 products (winogradProducts), with
	// bestKernel's bits (Sgemm's with alpha 1 and beta 0), in s.
	gemm func(a []float32, rows, k int, b []float32, n int, c []float32, s *gemmScratch)
	// gemmT writes c (m × n) = aᵀ·b, plus c's values before when add, a
	// (k × m) and b (k × n) dense and row-major: one of a kernel
	// gradient's 16 products (winogradGradProducts), with bestKernel's
	// bits (Sgemm's with transA, alpha 1 and beta 0 or 1), in s.
	gemmT func(a []float32, m, k int, b []float32, n int, c []float32, add bool, s *gemmScratch)
	// input4 and output4 are input and output for F(4×4, 3×3)
	// (winogradInput4Go, winogradOutput4Go): 36 patch rows and positions,
	// 16 outputs.
	input4  func(d *[36][]float32, step, tiles, c int, o []float32, stride int)
	output4 func(m []float32, stride, tiles, f int, bias []float32, dst *[16][]float32, step int, relu bool)
	// kernelRow writes u[ξ*cf+j] = (G g Gᵀ)[ξ] for j < n, g[k] =
	// w[k*cf+j] (WinogradKernel's row of an input channel).
	kernelRow func(w []float32, cf, n int, u []float32)
	// kernelGradRow writes dw[k*cf+j] = (Gᵀ d G)[k] for j < n, d[ξ] =
	// du[ξ*cf+j] (WinogradKernelGrad's last step on n channel pairs).
	kernelGradRow func(du []float32, cf, n int, dw []float32)
	// transpose writes dst (f × c) = src (c × f)ᵀ (WinogradFlipFrom).
	transpose func(src []float32, c, f int, dst []float32)
}

var goWinograd = &winogradImpl{name: "go", inputRow: winogradInputRowGo, output: winogradOutputGo, gradOut: winogradGradOutGo,
	gemm: winogradGemmGo, gemmT: winogradGemmTGo, input4: winogradInput4Go, output4: winogradOutput4Go,
	kernelRow: winogradKernelRowGo, kernelGradRow: winogradKernelGradRowGo, transpose: transposeBlocked}

// winogradGemmGo is the product through the blocked SGEMM driver with
// bestKernel, on the calling goroutine: the twin of winogradGemmAVX512
// (which gives its bits) and the product of builds without it.
func winogradGemmGo(a []float32, rows, k int, b []float32, n int, c []float32, s *gemmScratch) {
	d := gemmDriver{kern: bestKernel, m: rows, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, c: c, ldc: n}
	d.init(packAuto)
	d.runSerial(s)
}

// winogradGemmTGo is gemmT through the blocked SGEMM driver with
// bestKernel (A transposed into its packed panels), on the calling
// goroutine: the twin of winogradGemmTAVX512 (which gives its bits) and
// the product of builds without it.
func winogradGemmTGo(a []float32, m, k int, b []float32, n int, c []float32, add bool, s *gemmScratch) {
	d := gemmDriver{kern: bestKernel, transA: true, m: m, n: n, k: k, alpha: 1, a: a, lda: m, b: b, ldb: n, c: c, ldc: n}
	if add {
		d.beta = 1
	}
	d.init(packAuto)
	d.runSerial(s)
}

// winogradKernelRowGo is kernelRow, a channel pair at a time (kernelTile).
func winogradKernelRowGo(w []float32, cf, n int, u []float32) {
	var g [9]float32
	var t [16]float32
	for j := range n {
		for k := range g {
			g[k] = w[k*cf+j]
		}
		kernelTile(&g, &t)
		for xi, v := range t {
			u[xi*cf+j] = v
		}
	}
}

// winogradInputRowGo is inputRow: the first and the last tile one at a
// time, the middle ones as a run (winogradInputGo).
func winogradInputRowGo(x []float32, off *[4]int, rows, first, last uint, zero []float32, step, tiles, c int, o []float32, stride int) {
	if tiles == 0 {
		return
	}
	var d [16][]float32
	if tiles == 1 {
		first &= last
	}
	inputRowPatch(x, off, rows, first, zero, 0, c, c, &d)
	winogradInputGo(&d, 0, 1, c, o, stride)
	if tiles == 1 {
		return
	}
	if mid := tiles - 2; mid > 0 {
		inputRowPatch(x, off, rows, 15, zero, step, c, (mid-1)*step+c, &d)
		winogradInputGo(&d, step, mid, c, o[c:], stride)
	}
	inputRowPatch(x, off, rows, last, zero, (tiles-1)*step, c, c, &d)
	winogradInputGo(&d, 0, 1, c, o[(tiles-1)*c:], stride)
}

// inputRowPatch points d[4r+s] at the ln values of x from off[r]+at+s*c
// where row r and column s are inside (bits of rows and cols), else at
// zeros.
func inputRowPatch(x []float32, off *[4]int, rows, cols uint, zero []float32, at, c, ln int, d *[16][]float32) {
	for k := range d {
		r, s := k/4, k%4
		if rows>>r&1 == 0 || cols>>s&1 == 0 {
			d[k] = zero[:ln]
			continue
		}
		p := off[r] + at + s*c
		d[k] = x[p : p+ln]
	}
}

// winogradInputGo is the input transform of tiles tiles, tile t's patch
// row 4r+s at d[4r+s][t*step:], a tile at a time.
func winogradInputGo(d *[16][]float32, step, tiles, c int, o []float32, stride int) {
	var dt, ot [16][]float32
	for t := range tiles {
		for i := range dt {
			dt[i] = d[i][t*step:][:c]
			ot[i] = o[i*stride+t*c:][:c]
		}
		inputTransform(&dt, &ot)
	}
}

// winogradOutputGo is the output transform, a tile at a time.
func winogradOutputGo(m []float32, stride, tiles, f int, bias []float32, dst *[4][]float32, step int, relu bool) {
	var mt [16][]float32
	var yt [4][]float32
	for t := range tiles {
		for i := range mt {
			mt[i] = m[i*stride+t*f:][:f]
		}
		for k := range yt {
			yt[k] = dst[k][t*step:][:f]
		}
		outputTransform(&mt, bias[:f], &yt)
		for k := range yt {
			if relu {
				reluGo(yt[k], yt[k])
			}
		}
	}
}

// inputTransform sets o = Bᵀ d B channel by channel (d and o: 16 rows of
// the same length, row 4r+s holding position (r, s)), with
// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
func inputTransform(d, o *[16][]float32) {
	n := len(d[0])
	d0, d1, d2, d3 := d[0][:n], d[1][:n], d[2][:n], d[3][:n]
	d4, d5, d6, d7 := d[4][:n], d[5][:n], d[6][:n], d[7][:n]
	d8, d9, d10, d11 := d[8][:n], d[9][:n], d[10][:n], d[11][:n]
	d12, d13, d14, d15 := d[12][:n], d[13][:n], d[14][:n], d[15][:n]
	o0, o1, o2, o3 := o[0][:n], o[1][:n], o[2][:n], o[3][:n]
	o4, o5, o6, o7 := o[4][:n], o[5][:n], o[6][:n], o[7][:n]
	o8, o9, o10, o11 := o[8][:n], o[9][:n], o[10][:n], o[11][:n]
	o12, o13, o14, o15 := o[12][:n], o[13][:n], o[14][:n], o[15][:n]
	for c := 0; c < n; c++ {
		// Row r of Bᵀ d, then that row times B.
		e0, e1, e2, e3 := d8[c], d9[c], d10[c], d11[c]
		t0, t1, t2, t3 := d0[c]-e0, d1[c]-e1, d2[c]-e2, d3[c]-e3
		o0[c], o1[c], o2[c], o3[c] = t0-t2, t1+t2, t2-t1, t1-t3
		b0, b1, b2, b3 := d4[c], d5[c], d6[c], d7[c]
		t0, t1, t2, t3 = b0+e0, b1+e1, b2+e2, b3+e3
		o4[c], o5[c], o6[c], o7[c] = t0-t2, t1+t2, t2-t1, t1-t3
		t0, t1, t2, t3 = e0-b0, e1-b1, e2-b2, e3-b3
		o8[c], o9[c], o10[c], o11[c] = t0-t2, t1+t2, t2-t1, t1-t3
		t0, t1, t2, t3 = b0-d12[c], b1-d13[c], b2-d14[c], b3-d15[c]
		o12[c], o13[c], o14[c], o15[c] = t0-t2, t1+t2, t2-t1, t1-t3
	}
}

// outputTransform sets dst (positions (0,0), (0,1), (1,0), (1,1)) to
// Aᵀ m A + bias channel by channel, with Aᵀ = [1 1 1 0; 0 1 -1 -1].
func outputTransform(m *[16][]float32, bias []float32, dst *[4][]float32) {
	n := len(bias)
	m0, m1, m2, m3 := m[0][:n], m[1][:n], m[2][:n], m[3][:n]
	m4, m5, m6, m7 := m[4][:n], m[5][:n], m[6][:n], m[7][:n]
	m8, m9, m10, m11 := m[8][:n], m[9][:n], m[10][:n], m[11][:n]
	m12, m13, m14, m15 := m[12][:n], m[13][:n], m[14][:n], m[15][:n]
	y0, y1, y2, y3 := dst[0][:n], dst[1][:n], dst[2][:n], dst[3][:n]
	for c := 0; c < n; c++ {
		// Aᵀ m: rows s (sum of rows 0..2) and u (rows 1 - 2 - 3).
		a1, a2 := m4[c], m8[c]
		s0, u0 := m0[c]+a1+a2, a1-a2-m12[c]
		a1, a2 = m5[c], m9[c]
		s1, u1 := m1[c]+a1+a2, a1-a2-m13[c]
		a1, a2 = m6[c], m10[c]
		s2, u2 := m2[c]+a1+a2, a1-a2-m14[c]
		a1, a2 = m7[c], m11[c]
		s3, u3 := m3[c]+a1+a2, a1-a2-m15[c]
		b := bias[c]
		y0[c], y1[c] = s0+s1+s2+b, s1-s2-s3+b
		y2[c], y3[c] = u0+u1+u2+b, u1-u2-u3+b
	}
}

// winogradGradOutGo is the transform of the output's gradient, a tile at
// a time: with A = [1 0; 1 1; 1 -1; 0 -1] and the tile's gradient
// [a b; c d], the rows of A dy are (a, b), (a+c, b+d), (a-c, b-d),
// (-c, -d), and a row (p, q) times Aᵀ is (p, p+q, p-q, -q).
func winogradGradOutGo(dy *[4][]float32, step, tiles, f int, o []float32, stride int) {
	var ot [16][]float32
	for t := range tiles {
		a, b := dy[0][t*step:][:f], dy[1][t*step:][:f]
		c, d := dy[2][t*step:][:f], dy[3][t*step:][:f]
		for i := range ot {
			ot[i] = o[i*stride+t*f:][:f]
		}
		for i := range f {
			row := func(r int, p, q float32) {
				ot[4*r][i], ot[4*r+1][i], ot[4*r+2][i], ot[4*r+3][i] = p, p+q, p-q, -q
			}
			row(0, a[i], b[i])
			row(1, a[i]+c[i], b[i]+d[i])
			row(2, a[i]-c[i], b[i]-d[i])
			row(3, -c[i], -d[i])
		}
	}
}
