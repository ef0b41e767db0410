package kernels

import "math"

// The 16-channel Winograd passes in Go: the assembly's operations in its
// order (the products' FMAs as math.FMA in float64 rounded to float32, as
// convTapGo's), for the tests and the builds without the vector passes.

// wino16InputGo writes the input transform of tiles tiles whose input
// rows are rows (pixel 0 of each; pixels -1 and 2·tiles are zeros) to
// v[(p*vstride+t)*16+ch], point p = 4i+k (pf, the assembly's prefetches,
// unused).
func wino16InputGo(rows *[4][]float32, tiles int, v []float32, vstride int, pf *[2][]float32) {
	var col [4][4][16]float32 // column transforms of pixels 2t-1 .. 2t+2
	colOf := func(px int, c *[4][16]float32) {
		for ch := 0; ch < 16; ch++ {
			var d [4]float32
			for a := range d {
				d[a] = rows[a][px*16+ch]
			}
			c[0][ch], c[1][ch], c[2][ch], c[3][ch] = d[0]-d[2], d[1]+d[2], d[2]-d[1], d[1]-d[3]
		}
	}
	for t := 0; t < tiles; t++ {
		for j := 0; j < 4; j++ {
			if px := 2*t - 1 + j; px >= 0 && px < 2*tiles {
				colOf(px, &col[j])
			}
		}
		left, right := t == 0, t == tiles-1
		for i := 0; i < 4; i++ {
			a, b, c, d := &col[0][i], &col[1][i], &col[2][i], &col[3][i]
			for ch := 0; ch < 16; ch++ {
				var zero float32
				e0 := zero - c[ch]
				if !left {
					e0 = a[ch] - c[ch]
				}
				e3 := b[ch]
				if !right {
					e3 = b[ch] - d[ch]
				}
				for k, e := range [4]float32{e0, b[ch] + c[ch], c[ch] - b[ch], e3} {
					v[((i*4+k)*vstride+t)*16+ch] = e
				}
			}
		}
	}
}

// wino16ProductsGo sets v[(p*vstride+t)*16+j], for p < 16 and t <
// groups*wino16Group, to Σ_ch v[(p*vstride+t)*16+ch]·u[(p*16+ch)*16+j]
// (a multiply, then FMAs in ch order).
func wino16ProductsGo(groups int, v []float32, vstride int, u []float32) {
	for p := 0; p < 16; p++ {
		for t := 0; t < groups*wino16Group; t++ {
			in := v[(p*vstride+t)*16:][:16]
			var acc [16]float32
			for j := range acc {
				acc[j] = in[0] * u[p*256+j]
				for ch := 1; ch < 16; ch++ {
					acc[j] = float32(math.FMA(float64(in[ch]), float64(u[(p*16+ch)*16+j]), float64(acc[j])))
				}
			}
			copy(in, acc[:])
		}
	}
}

// wino16OutputGo writes the output transform of tiles tiles (point p of
// tile t at m[(p*vstride+t)*16:]) to pixels 2t, 2t+1 of y0 and y1, plus
// bias when not nil (pf unused).
func wino16OutputGo(m []float32, vstride, tiles int, y0, y1, bias []float32, pf *[2][]float32) {
	for t := 0; t < tiles; t++ {
		for ch := 0; ch < 16; ch++ {
			var s [2][4]float32
			for k := 0; k < 4; k++ {
				var mk [4]float32
				for i := range mk {
					mk[i] = m[((i*4+k)*vstride+t)*16+ch]
				}
				s[0][k] = mk[0] + mk[1] + mk[2]
				s[1][k] = mk[1] - mk[2] - mk[3]
			}
			var bv float32
			if bias != nil {
				bv = bias[ch]
			}
			for a, y := range [2][]float32{y0, y1} {
				y[(2*t)*16+ch] = s[a][0] + s[a][1] + s[a][2] + bv
				y[(2*t+1)*16+ch] = s[a][1] - s[a][2] - s[a][3] + bv
			}
		}
	}
}

// wino16GradProductsGo adds v[(p*vstride+t)*16+ch]·m[t][p][j] to
// s[(p*16+ch)*16+j] for t < tiles, one FMA each in t order, m[t] being the
// transform A·dy·Aᵀ of pixels 2t, 2t+1 of rows d0 and d1: (y0, y0+y1,
// y0-y1, 0-y1) down, then across (pf unused).
func wino16GradProductsGo(tiles int, v, d0, d1 []float32, vstride int, s []float32, pf *[2][]float32) {
	pair := func(a, c float32) [4]float32 {
		var zero float32
		return [4]float32{a, a + c, a - c, zero - c}
	}
	var m [16][16]float32 // tile t's transform, [point][filter]
	for t := 0; t < tiles; t++ {
		for j := 0; j < 16; j++ {
			c0 := pair(d0[(2*t)*16+j], d1[(2*t)*16+j])
			c1 := pair(d0[(2*t+1)*16+j], d1[(2*t+1)*16+j])
			for i := 0; i < 4; i++ {
				for k, e := range pair(c0[i], c1[i]) {
					m[i*4+k][j] = e
				}
			}
		}
		for p := 0; p < 16; p++ {
			for ch := 0; ch < 16; ch++ {
				xv := float64(v[(p*vstride+t)*16+ch])
				acc := s[(p*16+ch)*16:][:16]
				for j := range acc {
					acc[j] = float32(math.FMA(xv, float64(m[p][j]), float64(acc[j])))
				}
			}
		}
	}
}

// wino16GradWeightsGo sets g[((r*3+c)*16+ch)*16+j] to Gᵀ·s·G of the points'
// sums s[(p*16+ch)*16+j] (down, then across), plus g's old value when add.
func wino16GradWeightsGo(s, g []float32, add bool) {
	gt := func(x [4]float32) [3]float32 {
		sum := (x[1] + x[2]) * 0.5
		return [3]float32{x[0] + sum, (x[1] - x[2]) * 0.5, sum + x[3]}
	}
	for ch := 0; ch < 16; ch++ {
		for j := 0; j < 16; j++ {
			var t [3][4]float32
			for k := 0; k < 4; k++ {
				var x [4]float32
				for i := range x {
					x[i] = s[((4*i+k)*16+ch)*16+j]
				}
				for r, v := range gt(x) {
					t[r][k] = v
				}
			}
			for r := 0; r < 3; r++ {
				for c, v := range gt(t[r]) {
					at := ((r*3+c)*16+ch)*16 + j
					if add {
						v += g[at]
					}
					g[at] = v
				}
			}
		}
	}
}
