package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestAdd2 compares Add2 and Add2Relu in every implementation with the
// loops nn's Add ran (a copy, AddTo, then Relu), with guard bands, out of
// place and in place over either input. The sums are arithmetic: NaNs
// match any NaN (sameValues).
func TestAdd2(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			a, b := values(rng, n), values(rng, n)
			sum := clone(a)
			refAddTo(sum, b)
			rel := make([]float32, n)
			refRelu(rel, sum)
			for _, relu := range []bool{false, true} {
				f, want, what := impl.add2, sum, fmt.Sprintf("%s add2 n=%d", impl.name, n)
				if relu {
					f, want, what = impl.add2Relu, rel, fmt.Sprintf("%s add2Relu n=%d", impl.name, n)
				}
				y, as, bs := newBanded(values(rng, n)), newBanded(a), newBanded(b)
				f(y.s(), as.s(), bs.s())
				y.check(t, what)
				sameBits(t, what+" a", as.s(), a)
				sameBits(t, what+" b", bs.s(), b)
				sameValues(t, what, y.s(), want)
				f(as.s(), as.s(), bs.s()) // over a
				as.check(t, what+" over a")
				sameValues(t, what+" over a", as.s(), want)
				as = newBanded(a)
				f(bs.s(), as.s(), bs.s()) // over b
				bs.check(t, what+" over b")
				sameValues(t, what+" over b", bs.s(), want)
			}
		}
	}
}

// TestAdd2Exported checks the exported wrappers and their length checks.
func TestAdd2Exported(t *testing.T) {
	y := make([]float32, 3)
	Add2(y, []float32{1, -2, 3}, []float32{1, 1, -4})
	if y[0] != 2 || y[1] != -1 || y[2] != -1 {
		t.Errorf("Add2 = %v", y)
	}
	Add2Relu(y, []float32{1, -2, 3}, []float32{1, 1, -4})
	if y[0] != 2 || y[1] != 0 || y[2] != 0 {
		t.Errorf("Add2Relu = %v", y)
	}
	defer func() {
		if recover() == nil {
			t.Error("Add2 with slices of different lengths did not panic")
		}
	}()
	Add2(y, y, y[:2])
}
