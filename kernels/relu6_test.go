package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Reference loops: nn's relu6 forward and backward before the kernels.

func refRelu6(y, z []float32) {
	for i, v := range z {
		y[i] = min(max(v, 0), 6)
	}
}

func refRelu6Grad(dy, y []float32) {
	for i, v := range y {
		if !(v > 0 && v < 6) {
			dy[i] = 0
		}
	}
}

// relu6Values is values with the edges of relu6 mixed in: 6, its
// neighbours, and values above it.
func relu6Values(rng *rand.Rand, n int) []float32 {
	v := values(rng, n)
	edges := []float32{6, math.Nextafter32(6, 0), math.Nextafter32(6, 7), 7, 1e30, -6}
	for i := range v {
		switch rng.IntN(4) {
		case 0:
			v[i] = edges[rng.IntN(len(edges))]
		case 1:
			v[i] *= 5
		}
	}
	return v
}

func TestRelu6(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			z := relu6Values(rng, n)
			want := make([]float32, n)
			refRelu6(want, z)
			y, zs := newBanded(values(rng, n)), newBanded(z)
			impl.relu6(y.s(), zs.s())
			what := fmt.Sprintf("%s relu6 n=%d", impl.name, n)
			y.check(t, what)
			sameBits(t, what+" input", zs.s(), z)
			sameBits(t, what, y.s(), want)
			impl.relu6(zs.s(), zs.s()) // in place
			zs.check(t, what+" in place")
			sameBits(t, what+" in place", zs.s(), want)
		}
	}
}

func TestRelu6Grad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			y, dy := relu6Values(rng, n), values(rng, n)
			if n%2 == 0 { // outputs of relu6, as nn passes them
				refRelu6(y, y)
			}
			want := clone(dy)
			refRelu6Grad(want, y)
			ds, ys := newBanded(dy), newBanded(y)
			impl.relu6Grad(ds.s(), ys.s())
			what := fmt.Sprintf("%s relu6Grad n=%d", impl.name, n)
			ds.check(t, what)
			ys.check(t, what+" y")
			sameBits(t, what+" y", ys.s(), y)
			sameBits(t, what, ds.s(), want)
		}
	}
}

// TestRelu6Exported checks the exported wrappers' length check.
func TestRelu6Exported(t *testing.T) {
	y := []float32{-1, 3, 8}
	Relu6(y, y)
	dy := []float32{1, 1, 1}
	Relu6Grad(dy, y)
	if y[0] != 0 || y[1] != 3 || y[2] != 6 || dy[0] != 0 || dy[1] != 1 || dy[2] != 0 {
		t.Errorf("Relu6 and Relu6Grad on -1, 3, 8: y %v, dy %v", y, dy)
	}
	defer func() {
		if recover() == nil {
			t.Error("Relu6 with slices of different lengths did not panic")
		}
	}()
	Relu6(y, y[:2])
}
