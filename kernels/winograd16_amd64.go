//go:build !purego

package kernels

//go:generate go run -C _asm . -winograd16 -out ../winograd16_amd64.s -stubs ../winograd16_stub_amd64.go -pkg kernels

// wino16On reports whether the 16-channel Winograd passes run: where
// SGEMM runs its AVX-512 kernels.
func wino16On() bool { return bestKernel == avx512Kernel }

// wino16Input is wino16InputGo in AVX-512; rows hold 2·tiles pixels; it
// prefetches those of rows pf.
func wino16Input(rows *[4][]float32, tiles int, v []float32, vstride int, pf *[2][]float32) {
	if tiles < 1 || vstride < tiles {
		panic("kernels: wino16Input on no tiles")
	}
	for _, r := range rows {
		_ = r[2*tiles*16-1]
	}
	_, _, _ = v[(15*vstride+tiles)*16-1], pf[0][2*tiles*16-1], pf[1][2*tiles*16-1]
	wino16InputAVX512(&rows[0][0], &rows[1][0], &rows[2][0], &rows[3][0], tiles, &v[0], vstride, &pf[0][0], &pf[1][0])
}

// wino16Products is wino16ProductsGo in AVX-512.
func wino16Products(groups int, v []float32, vstride int, u []float32) {
	if groups < 1 || vstride < groups*wino16Group {
		panic("kernels: wino16Products on no tiles")
	}
	_, _ = v[(15*vstride+groups*wino16Group)*16-1], u[Wino16WeightsLen-1]
	wino16ProductsAVX512(groups, &v[0], vstride, &u[0])
}

// wino16Output is wino16OutputGo in AVX-512; it prefetches rows pf.
func wino16Output(m []float32, vstride, tiles int, y0, y1, bias []float32, pf *[2][]float32) {
	if tiles < 1 || vstride < tiles {
		panic("kernels: wino16Output on no tiles")
	}
	_, _, _ = m[(15*vstride+tiles)*16-1], y0[2*tiles*16-1], y1[2*tiles*16-1]
	_, _ = pf[0][2*tiles*16-1], pf[1][2*tiles*16-1]
	var bp *float32
	if bias != nil {
		bp = &bias[:16][0]
	}
	wino16OutputAVX512(&m[0], vstride, tiles, &y0[0], &y1[0], bp, &pf[0][0], &pf[1][0])
}

// wino16GradProducts is wino16GradProductsGo in AVX-512; it prefetches rows
// pf.
func wino16GradProducts(tiles int, v, d0, d1 []float32, vstride int, s []float32, pf *[2][]float32) {
	if tiles < 1 || vstride < tiles {
		panic("kernels: wino16GradProducts on no tiles")
	}
	_, _, _ = v[(15*vstride+tiles)*16-1], d0[2*tiles*16-1], d1[2*tiles*16-1]
	_, _, _ = s[Wino16WeightsLen-1], pf[0][2*tiles*16-1], pf[1][2*tiles*16-1]
	wino16GradProductsAVX512(tiles, &v[0], &d0[0], &d1[0], vstride, &s[0], &pf[0][0], &pf[1][0])
}

// wino16GradWeights is wino16GradWeightsGo in AVX-512.
func wino16GradWeights(s, g []float32, add bool) {
	_, _ = s[Wino16WeightsLen-1], g[9*256-1]
	a := 0
	if add {
		a = 1
	}
	wino16GradWeightsAVX512(&s[0], &g[0], a)
}
