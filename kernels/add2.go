package kernels

// Add2 and Add2Relu are a residual connection's sum, y = a + b, and the
// sum with the relu after it, in one pass instead of a copy, an add and
// (for relu) a pass of its own: AVX-512 assembly (elementwise_amd64.s)
// with the pure-Go twins below, which the purego build and the AVX2
// machines run.

// Add2 sets y[i] = a[i] + b[i]. y may be a or b. It panics unless the
// three lengths agree.
func Add2(y, a, b []float32) {
	sameLen("Add2", "y", len(y), "a", len(a))
	sameLen("Add2", "y", len(y), "b", len(b))
	ew.add2(y, a, b)
}

// Add2Relu sets y[i] = max(a[i] + b[i], 0) with Go's max, as Relu of
// Add2's result (the same bits, a NaN sum a NaN). y may be a or b. It
// panics unless the three lengths agree.
func Add2Relu(y, a, b []float32) {
	sameLen("Add2Relu", "y", len(y), "a", len(a))
	sameLen("Add2Relu", "y", len(y), "b", len(b))
	ew.add2Relu(y, a, b)
}

// add2Go is Add2.
func add2Go(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = a[i] + b[i]
	}
}

// add2ReluGo is Add2Relu.
func add2ReluGo(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = max(a[i]+b[i], 0)
	}
}
