//go:build !purego

package kernels

//go:generate go run -C _asm . -depthwise -out ../depthwise_amd64.s -stubs ../depthwise_stub_amd64.go -pkg kernels

// The AVX-512 depthwise kernels take every channel (the last ones under a
// mask); the AVX2 ones take whole vectors of 8 channels and leave the rest
// to the Go twins. Which CPU features they need: see elementwise_amd64.go.

var avx512Depthwise = &depthwiseImpl{
	name: "avx512",
	taps: func(y, x, k, init []float32, off []int, n, c, ys, xs int, relu6 bool) {
		dwTapsAVX512(&y[0], &x[0], &k[0], firstOrNil(init), &off[0], len(off)/2, n, c, ys, xs, boolInt(relu6))
	},
	gradK: func(dk, x, dz []float32, off []int, n, c, xs, zs int) {
		dwGradKAVX512(&dk[0], &x[0], &dz[0], &off[0], len(off)/2, n, c, xs, zs)
	},
}

var avx2Depthwise = &depthwiseImpl{
	name: "avx2",
	taps: func(y, x, k, init []float32, off []int, n, c, ys, xs int, relu6 bool) {
		if c8 := c &^ 7; c8 > 0 {
			dwTapsAVX2(&y[0], &x[0], &k[0], firstOrNil(init), &off[0], len(off)/2, n, c8, ys, xs, boolInt(relu6))
		}
		if c%8 != 0 {
			dwTapsGo(y, x, k, init, off, n, c&^7, c, ys, xs, relu6)
		}
	},
	gradK: func(dk, x, dz []float32, off []int, n, c, xs, zs int) {
		if c8 := c &^ 7; c8 > 0 {
			dwGradKAVX2(&dk[0], &x[0], &dz[0], &off[0], len(off)/2, n, c8, xs, zs)
		}
		if c%8 != 0 {
			dwGradKGo(dk, x, dz, off, n, c&^7, c, xs, zs)
		}
	},
}

// firstOrNil is &v[0], or nil for an empty v.
func firstOrNil(v []float32) *float32 {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dw is the fastest implementation this CPU supports.
var dw = supportedDepthwise()[0]

// supportedDepthwise lists the implementations this CPU can run, the
// fastest first; tests check each of them against the pure-Go one.
func supportedDepthwise() []*depthwiseImpl {
	var ds []*depthwiseImpl
	if hasAVX512BMI2 {
		ds = append(ds, avx512Depthwise)
	}
	if hasAVX2 {
		ds = append(ds, avx2Depthwise)
	}
	return append(ds, goDepthwise)
}
