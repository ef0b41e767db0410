//go:build !purego

package kernels

//go:generate go run -C _asm . -batchnorm -out ../batchnorm_amd64.s -stubs ../batchnorm_stub_amd64.go -pkg kernels

// The AVX-512 batch-normalization kernels take every channel (the last
// c%8 under a mask). NormSums without dy and with round (which nn does
// not use) runs the Go twin. There is no AVX2 version.
var avx512Norm = &normImpl{
	name: "avx512",
	sums: func(s, q, a, b []float64, x, dy []float32, round bool) {
		rows, c := len(x)/len(a), len(a)
		switch {
		case dy == nil && !round:
			normStatsAVX512(&s[0], &q[0], &a[0], &b[0], &x[0], rows, c)
		case dy == nil:
			normSumsGo(s, q, a, b, x, dy, round)
		case round:
			normGradSumsRoundAVX512(&s[0], &q[0], &a[0], &b[0], &x[0], &dy[0], rows, c)
		default:
			normGradSumsAVX512(&s[0], &q[0], &a[0], &b[0], &x[0], &dy[0], rows, c)
		}
	},
	apply: func(y, x []float32, scale, shift []float64) {
		normApplyAVX512(&y[0], &x[0], &scale[0], &shift[0], len(x)/len(scale), len(scale))
	},
	grad: func(dy, x []float32, a, b, k, m1, m2 []float64, round bool) {
		rows, c := len(x)/len(a), len(a)
		if round {
			normGradRoundAVX512(&dy[0], &x[0], &a[0], &b[0], &k[0], &m1[0], &m2[0], rows, c)
		} else {
			normGradAVX512(&dy[0], &x[0], &a[0], &b[0], &k[0], &m1[0], &m2[0], rows, c)
		}
	},
}

// supportedNorm lists the implementations this CPU can run, fastest first.
func supportedNorm() []*normImpl {
	if hasAVX512BMI2 {
		return []*normImpl{avx512Norm, goNorm}
	}
	return []*normImpl{goNorm}
}

// bn is the fastest implementation this CPU supports.
var bn = supportedNorm()[0]
