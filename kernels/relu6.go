package kernels

import "math"

// Relu6 and Relu6Grad are MobileNet's activation, min(max(z, 0), 6), and
// its gradient: AVX-512 assembly (elementwise_amd64.s) with the pure-Go
// twins below, which the purego build and the AVX2 machines run. They
// replace the loops nn's relu6 ran before (a branch per element that
// mispredicted on every other one: a quarter of a mobilenet-v2 training
// step).

// Relu6 sets y[i] = min(max(z[i], 0), 6) with Go's min and max: +0 for
// z ≤ 0 (-0 included), 6 for z ≥ 6, z between, and for a NaN z a NaN (on
// amd64, z with its sign bit cleared, as Relu). y and z may be the same
// slice. It panics unless len(y) == len(z).
func Relu6(y, z []float32) {
	sameLen("Relu6", "y", len(y), "z", len(z))
	ew.relu6(y, z)
}

// Relu6Grad turns dy into the gradient of Relu6's input, given its output
// y: dy[i] is kept where 0 < y[i] < 6 and zeroed elsewhere (NaNs
// included). It panics unless len(dy) == len(y).
func Relu6Grad(dy, y []float32) {
	sameLen("Relu6Grad", "dy", len(dy), "y", len(y))
	ew.relu6Grad(dy, y)
}

// relu6Go is Relu6.
func relu6Go(y, z []float32) {
	y = y[:len(z)]
	for i, v := range z {
		y[i] = min(max(v, 0), 6)
	}
}

// six1 is bits(6) - 1: for the bits u of a float32, u-1 < six1 (unsigned)
// exactly when 0 < value < 6 (+0 and -0 wrap around, negative values,
// 6 and above, infinities and NaNs do not pass).
const six1 = 0x40c00000 - 1

// relu6GradGo is Relu6Grad, branch-free: the test u-1 < six1 as the sign
// of a difference in 64 bits.
func relu6GradGo(dy, y []float32) {
	dy = dy[:len(y)]
	for i, v := range y {
		d := int64(math.Float32bits(v)-1) - six1
		keep := uint32(d >> 63)
		dy[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}
