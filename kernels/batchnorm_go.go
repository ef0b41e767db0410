package kernels

// The pure-Go twins of the batch-normalization kernels (see
// batchnorm.go). The explicit float64 and float32 conversions of products
// keep the compiler from fusing a multiply and an add, so that the
// assembly gives the same bits.

// normSumsGo is NormSums' twin.
func normSumsGo(s, q, a, b []float64, x, dy []float32, round bool) {
	c := len(a)
	for r := 0; r+c <= len(x); r += c {
		xs := x[r : r+c]
		var ds []float32
		if dy != nil {
			ds = dy[r : r+c]
		}
		for j, v := range xs {
			h := (float64(v) - a[j]) * b[j]
			if round {
				h = float64(float32(h))
			}
			e := h
			if ds != nil {
				e = float64(ds[j])
			}
			s[j] += e
			q[j] += float64(e * h)
		}
	}
}

// normApplyGo is NormApply's twin.
func normApplyGo(y, x []float32, scale, shift []float64) {
	c := len(scale)
	for r := 0; r+c <= len(x); r += c {
		xs, ys := x[r:r+c], y[r:r+c]
		for j, v := range xs {
			ys[j] = float32(v*float32(scale[j])) + float32(shift[j])
		}
	}
}

// normSumsRelu6Go is NormSumsRelu6's twin.
func normSumsRelu6Go(s, q, a, b []float64, x, dy, y []float32) {
	relu6GradGo(dy[:len(x)], y[:len(x)])
	normSumsGo(s, q, a, b, x, dy, true)
}

// normApplyRelu6Go is NormApplyRelu6's twin: relu6Go's min(max(v, 0), 6)
// on each value.
func normApplyRelu6Go(y, x []float32, scale, shift []float64) {
	normApplyGo(y, x, scale, shift)
	relu6Go(y[:len(x)], y[:len(x)])
}

// normGradGo is NormGrad's twin.
func normGradGo(dy, x []float32, a, b, k, m1, m2 []float64, round bool) {
	c := len(a)
	for r := 0; r+c <= len(x); r += c {
		xs, ds := x[r:r+c], dy[r:r+c]
		for j, v := range xs {
			h := (float64(v) - a[j]) * b[j]
			if round {
				h = float64(float32(h))
			}
			ds[j] = float32(k[j] * ((float64(ds[j]) - m1[j]) - float64(h*m2[j])))
		}
	}
}
