package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refMaxPool2x2 is nn's maxPool2x2 before the kernels existed.
func refMaxPool2x2(y, x []float32, h, w, c int) {
	row := w * c
	o := 0
	for oh := 0; oh < h/2; oh++ {
		for ow := 0; ow < w/2; ow++ {
			p := 2*oh*row + 2*ow*c
			for j := range c {
				y[o+j] = max(max(x[p+j], x[p+c+j]), max(x[p+row+j], x[p+row+c+j]))
			}
			o += c
		}
	}
}

// refMaxPool2x2Grad is nn's maxPool2x2Backward before the kernels existed.
func refMaxPool2x2Grad(dx, x, y, dy []float32, h, w, c int) {
	eq := func(a, b float32) uint32 {
		z := math.Float32bits(a) ^ math.Float32bits(b)
		return uint32(int32(^z&(z-1)) >> 31)
	}
	grad := func(d float32, m uint32) float32 { return math.Float32frombits(math.Float32bits(d) & m) }
	row := w * c
	o := 0
	for oh := 0; oh < h/2; oh++ {
		for ow := 0; ow < w/2; ow++ {
			p := 2*oh*row + 2*ow*c
			for j := range c {
				yv, d := y[o+j], dy[o+j]
				m0 := eq(x[p+j], yv)
				m1 := eq(x[p+c+j], yv) &^ m0
				m2 := eq(x[p+row+j], yv) &^ (m0 | m1)
				m3 := eq(x[p+row+c+j], yv) &^ (m0 | m1 | m2)
				dx[p+j], dx[p+c+j], dx[p+row+j], dx[p+row+c+j] = grad(d, m0), grad(d, m1), grad(d, m2), grad(d, m3)
			}
			o += c
		}
		if w%2 == 1 {
			p := 2*oh*row + (w-1)*c
			clear(dx[p : p+c])
			clear(dx[p+row : p+row+c])
		}
	}
	if h%2 == 1 {
		clear(dx[(h-1)*row : h*row])
	}
}

// poolValues returns n values drawn from few distinct ones (specials
// included), so that windows often tie.
func poolValues(rng *rand.Rand, n int) []float32 {
	pool := values(rng, 12)
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(3) == 0 {
			v[i] = float32(rng.NormFloat64())
		} else {
			v[i] = pool[rng.IntN(len(pool))]
		}
	}
	return v
}

type poolShape struct{ h, w, c int }

func poolShapes() []poolShape {
	var s []poolShape
	for h := 0; h <= 7; h++ {
		for w := 0; w <= 7; w++ {
			for _, c := range []int{1, 3, 8, 15, 16, 17, 33} {
				s = append(s, poolShape{h, w, c})
			}
		}
	}
	return append(s, poolShape{26, 26, 32}, poolShape{11, 11, 64}, poolShape{9, 8, 40}, poolShape{2, 2, 0})
}

func TestMaxPool2x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	for _, impl := range supportedElementwise() {
		for _, s := range poolShapes() {
			for _, relu := range []bool{false, true} {
				nx, ny := s.h*s.w*s.c, (s.h/2)*(s.w/2)*s.c
				x := poolValues(rng, nx)
				want := make([]float32, ny)
				refReluPool(want, x, s.h, s.w, s.c, relu)
				xs, y := newBanded(x), newBanded(values(rng, ny))
				pool, name := impl.maxPool2x2, "maxPool2x2"
				if relu {
					pool, name = impl.maxPool2x2Relu, "maxPool2x2Relu"
				}
				pool(y.s(), xs.s(), s.h, s.w, s.c)
				what := fmt.Sprintf("%s %s %dx%dx%d", impl.name, name, s.h, s.w, s.c)
				y.check(t, what)
				sameBits(t, what+" input", xs.s(), x)
				sameBits(t, what, y.s(), want)
			}
		}
	}
}

// refReluPool is refMaxPool2x2 of x, after reluGo on a copy of x when
// relu is set (what nn ran before MaxPool2x2Relu).
func refReluPool(y, x []float32, h, w, c int, relu bool) {
	if relu {
		r := make([]float32, len(x))
		reluGo(r, x)
		x = r
	}
	refMaxPool2x2(y, x, h, w, c)
}

func TestMaxPool2x2Grad(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, impl := range supportedElementwise() {
		for _, s := range poolShapes() {
			nx, ny := s.h*s.w*s.c, (s.h/2)*(s.w/2)*s.c
			x := poolValues(rng, nx)
			y := make([]float32, ny)
			refMaxPool2x2(y, x, s.h, s.w, s.c)
			for i := range y { // some windows match none of their inputs
				if rng.IntN(8) == 0 {
					y[i] = float32(rng.NormFloat64())
				}
			}
			dy := values(rng, ny)
			want := values(rng, nx)
			refMaxPool2x2Grad(want, x, y, dy, s.h, s.w, s.c)
			dx := newBanded(values(rng, nx)) // garbage: every element is written
			xs, ys, dys := newBanded(x), newBanded(y), newBanded(dy)
			impl.maxPool2x2Grad(dx.s(), xs.s(), ys.s(), dys.s(), s.h, s.w, s.c)
			what := fmt.Sprintf("%s maxPool2x2Grad %dx%dx%d", impl.name, s.h, s.w, s.c)
			dx.check(t, what)
			sameBits(t, what+" x", xs.s(), x)
			sameBits(t, what+" y", ys.s(), y)
			sameBits(t, what+" dy", dys.s(), dy)
			sameBits(t, what, dx.s(), want)
		}
	}
}

// TestMaxPool2x2Ties checks the rules the random tests rely on: the first
// of equal inputs takes the gradient; ±0 pool to +0; a NaN propagates.
func TestMaxPool2x2Ties(t *testing.T) {
	f := math.Float32frombits
	nan := f(0x7fc00123)
	for _, impl := range supportedElementwise() {
		// Four windows of 1x2x2 (h=2, w=8, c=1): ties 3,3,3,3; -0,+0,+0,-0; 1,NaN,2,3; 5,1,5,7.
		x := []float32{
			3, 3, f(0x80000000), 0, 1, nan, 5, 1,
			3, 3, 0, f(0x80000000), 2, 3, 5, 7,
		}
		y := make([]float32, 4)
		impl.maxPool2x2(y, x, 2, 8, 1)
		if y[0] != 3 || math.Float32bits(y[1]) != 0 || y[2] == y[2] || y[3] != 7 {
			t.Errorf("%s: maxPool2x2 = %v, want [3 0 NaN 7]", impl.name, y)
		}
		dx := make([]float32, 16)
		impl.maxPool2x2Grad(dx, x, y, []float32{1, 2, 4, 8}, 2, 8, 1)
		want := []float32{1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8}
		sameBits(t, impl.name+" ties", dx, want)
	}
}

// TestMaxPool2x2ReluNaN checks windows where relu before the maxes and
// relu after them differ: a NaN's payload takes the bits of the other
// inputs it meets, and a negative input meets it as +0 only when relu
// comes first.
func TestMaxPool2x2ReluNaN(t *testing.T) {
	f := math.Float32frombits
	nan, neg := f(0x7fc00100), f(0x80000003)
	// Three windows of 1x2x2 (h=2, w=6, c=1): NaN,neg,0,0; neg,-NaN,-1,-0; -2,-0,-1,-3.
	x := []float32{
		nan, neg, neg, -nan, -2, f(0x80000000),
		0, 0, -1, f(0x80000000), -1, -3,
	}
	want := make([]float32, 3)
	refReluPool(want, x, 2, 6, 1, true)
	if b := math.Float32bits(want[0]); b != 0x7fc00100 {
		t.Fatalf("reference pool of relu = %#x, want 0x7fc00100 (the NaN untouched by the negative input)", b)
	}
	for _, impl := range supportedElementwise() {
		y := make([]float32, 3)
		impl.maxPool2x2Relu(y, x, 2, 6, 1)
		sameBits(t, impl.name+" relu NaN", y, want)
		if math.Float32bits(y[2]) != 0 {
			t.Errorf("%s: pool of relu of negatives = %#x, want +0", impl.name, math.Float32bits(y[2]))
		}
	}
}
