package kernels

import "math"

// The pure-Go twins of the elementwise kernels (see elementwise.go for
// their contracts). Lengths are checked by the exported functions.

// reluGo is Relu: Go's max, branch-free.
func reluGo(y, z []float32) {
	y = y[:len(z)]
	for i, v := range z {
		y[i] = max(v, 0)
	}
}

// reluGradGo is ReluGrad. (A branch here mispredicts on half the
// elements and cost 8x more.)
func reluGradGo(dy, y []float32) {
	dy = dy[:len(y)]
	for i, v := range y {
		keep := uint32(-int32(math.Float32bits(v)) >> 31)
		dy[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}

// addToGo is AddTo.
func addToGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// adamGo is Adam. The float32 conversions round each product before it
// is added, as the Go spec requires of an explicit conversion, so that no
// compiler fuses a multiply-add here (the assembly does not either).
func adamGo(w, g, m, v []float32, alpha, c1, c2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		gi := g[i]
		m[i] += float32((gi - m[i]) * c1)
		v[i] += float32((float32(gi*gi) - v[i]) * c2)
		w[i] -= float32(alpha*m[i]) / (float32(math.Sqrt(float64(v[i]))) + eps)
	}
}

// sumRows64Go is SumRows64 (len(acc) > 0).
func sumRows64Go(acc []float64, src []float32) {
	sumRows64Cols(acc, src, 0)
}

// sumRows64Cols is SumRows64 for the columns from lo on only.
func sumRows64Cols(acc []float64, src []float32, lo int) {
	n := len(acc)
	for r := 0; r+n <= len(src); r += n {
		row := src[r+lo : r+n]
		for j, v := range row {
			acc[lo+j] += float64(v)
		}
	}
}

// copyRunsGo is copyRuns.
func copyRunsGo(dst, src []float32, runs, n, dstStride, srcStride int) {
	for i := 0; i < runs; i++ {
		copy(dst[i*dstStride:i*dstStride+n], src[i*srcStride:i*srcStride+n])
	}
}

// addRunsGo is addRuns.
func addRunsGo(dst, src []float32, runs, n, dstStride, srcStride int) {
	for i := 0; i < runs; i++ {
		addToGo(dst[i*dstStride:i*dstStride+n], src[i*srcStride:i*srcStride+n])
	}
}
