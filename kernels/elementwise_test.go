package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The elementwise kernels are tested against reference loops written the
// way nn and optim wrote them before the kernels existed (the semantics
// to keep), bit for bit, NaN payloads included, with band bands around
// every slice that a kernel writes.

// specials are the bit patterns whose handling the contracts spell out:
// zeros, NaNs of different payloads and signs (one signalling), infinities,
// denormals and the extremes.
var specials = []uint32{
	0x00000000, 0x80000000, // ±0
	0x7fc00000, 0x7fc00123, 0xffc00456, 0x7f800001, 0xff812345, // NaNs
	0x7f800000, 0xff800000, // ±Inf
	0x00000001, 0x80000001, 0x007fffff, 0x807fffff, // denormals
	0x7f7fffff, 0xff7fffff, 0x00800000, 0x3f800000, 0xbf800000,
}

// values returns n values: mostly random normals, with one in four drawn
// from specials.
func values(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(4) == 0 {
			v[i] = math.Float32frombits(specials[rng.IntN(len(specials))])
		} else {
			v[i] = float32(rng.NormFloat64())
		}
	}
	return v
}

// lengths are the slice lengths every kernel is tried at: all tails of
// both vector widths, and long ones.
func lengths() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4096+13, 1<<16+7)
}

const band = 16

// banded is a slice of float32 with band bands of distinct NaN payloads
// on both sides, to catch writes past either end.
type banded struct {
	buf []float32
	n   int
}

func newBanded(v []float32) *banded {
	g := &banded{buf: make([]float32, len(v)+2*band), n: len(v)}
	for i := range band {
		g.buf[i] = math.Float32frombits(0x7fa00000 + uint32(i))
		g.buf[band+len(v)+i] = math.Float32frombits(0xffb00000 + uint32(i))
	}
	copy(g.buf[band:], v)
	return g
}

func (g *banded) s() []float32 { return g.buf[band : band+g.n : band+g.n] }

func (g *banded) check(t *testing.T, what string) {
	t.Helper()
	for i := range band {
		if b := math.Float32bits(g.buf[i]); b != 0x7fa00000+uint32(i) {
			t.Fatalf("%s: wrote %#x at index %d before the slice", what, b, i-band)
		}
		if b := math.Float32bits(g.buf[band+g.n+i]); b != 0xffb00000+uint32(i) {
			t.Fatalf("%s: wrote %#x at index %d past the end (len %d)", what, b, g.n+i, g.n)
		}
	}
}

// sameBits fails unless got and want hold the same bits.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if g, w := math.Float32bits(got[i]), math.Float32bits(want[i]); g != w {
			t.Fatalf("%s: [%d] = %#08x (%g), want %#08x (%g)", what, i, g, got[i], w, want[i])
		}
	}
}

// sameValues is sameBits except that any NaN matches any NaN: which
// operand's payload an arithmetic instruction keeps depends on operand
// order, which the Go compiler picks freely.
func sameValues(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("%s: [%d] = %#08x (%g), want %#08x (%g)", what, i, math.Float32bits(g), g, math.Float32bits(w), w)
		}
	}
}

func clone(v []float32) []float32 { return append([]float32(nil), v...) }

// Reference loops: nn's reluForward, reluBackward and col2im add, and
// optim's Adam loop (with 1-β computed in float32 by the caller).

func refRelu(y, z []float32) {
	for i, v := range z {
		y[i] = max(v, 0)
	}
}

func refReluGrad(dy, y []float32) {
	for i, v := range y {
		keep := uint32(-int32(math.Float32bits(v)) >> 31)
		dy[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}

func refAddTo(d, s []float32) {
	for c, v := range s {
		d[c] += v
	}
}

func refAdam(w, g, m, v []float32, alpha, c1, c2, eps float32) {
	for i := range w {
		gi := g[i]
		m[i] += float32((gi - m[i]) * c1)
		v[i] += float32((float32(gi*gi) - v[i]) * c2)
		vi := v[i]
		w[i] -= float32(alpha*m[i]) / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

func TestRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			z := values(rng, n)
			want := make([]float32, n)
			refRelu(want, z)
			y := newBanded(values(rng, n))
			zs := newBanded(z)
			impl.relu(y.s(), zs.s())
			what := fmt.Sprintf("%s relu n=%d", impl.name, n)
			y.check(t, what)
			sameBits(t, what+" input", zs.s(), z)
			sameBits(t, what, y.s(), want)
			impl.relu(zs.s(), zs.s()) // in place
			zs.check(t, what+" in place")
			sameBits(t, what+" in place", zs.s(), want)
		}
	}
}

func TestReluSpecials(t *testing.T) {
	f := math.Float32frombits
	for _, impl := range supportedElementwise() {
		z := []float32{f(0x80000000), 0, f(0x80000001), f(0x00000001), f(0xffc00456), f(0x7fc00123), f(0xff800000), f(0x7f800000), -2, 3}
		want := []uint32{0, 0, 0, 0x00000001, 0x7fc00456, 0x7fc00123, 0, 0x7f800000, 0, 0x40400000}
		y := make([]float32, len(z))
		impl.relu(y, z)
		for i := range y {
			if got := math.Float32bits(y[i]); got != want[i] {
				t.Errorf("%s: relu(%#08x) = %#08x, want %#08x", impl.name, math.Float32bits(z[i]), got, want[i])
			}
		}
		// The gradient survives exactly where relu is nonzero (NaN included).
		dy := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
		impl.reluGrad(dy, y)
		for i, d := range dy {
			if keep := y[i] != 0; (d == 1) != keep {
				t.Errorf("%s: reluGrad at relu(%g) = %g kept %g", impl.name, z[i], y[i], d)
			}
		}
	}
}

func TestReluGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			y := values(rng, n)
			for i := range y { // half of them as relu writes them
				if i%2 == 0 {
					y[i] = max(y[i], 0)
				}
			}
			dy := values(rng, n)
			want := clone(dy)
			refReluGrad(want, y)
			d := newBanded(dy)
			ys := newBanded(y)
			impl.reluGrad(d.s(), ys.s())
			what := fmt.Sprintf("%s reluGrad n=%d", impl.name, n)
			d.check(t, what)
			sameBits(t, what+" input", ys.s(), y)
			sameBits(t, what, d.s(), want)
		}
	}
}

func TestAddTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			dst, src := values(rng, n), values(rng, n)
			want := clone(dst)
			refAddTo(want, src)
			d, s := newBanded(dst), newBanded(src)
			impl.addTo(d.s(), s.s())
			what := fmt.Sprintf("%s addTo n=%d", impl.name, n)
			d.check(t, what)
			sameBits(t, what+" input", s.s(), src)
			sameValues(t, what, d.s(), want)
		}
	}
}

func TestAdam(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 4))
	b1, b2 := float32(0.9), float32(0.999)
	c1, c2 := 1-b1, 1-b2
	for _, impl := range supportedElementwise() {
		for _, n := range lengths() {
			w, g, m, v := values(rng, n), values(rng, n), values(rng, n), values(rng, n)
			for i := range v { // mostly a real state: v >= 0
				if i%4 != 0 {
					v[i] = float32(math.Abs(float64(v[i])))
				}
			}
			ww, wm, wv := clone(w), clone(m), clone(v)
			alpha, eps := float32(1e-3*rng.Float64()), float32(1e-7)
			refAdam(ww, g, wm, wv, alpha, c1, c2, eps)
			gw, gg, gm, gv := newBanded(w), newBanded(g), newBanded(m), newBanded(v)
			impl.adam(gw.s(), gg.s(), gm.s(), gv.s(), alpha, c1, c2, eps)
			what := fmt.Sprintf("%s adam n=%d", impl.name, n)
			for _, x := range []*banded{gw, gg, gm, gv} {
				x.check(t, what)
			}
			sameBits(t, what+" g", gg.s(), g)
			sameValues(t, what+" m", gm.s(), wm)
			sameValues(t, what+" v", gv.s(), wv)
			sameValues(t, what+" w", gw.s(), ww)
		}
	}
}

func TestSumRows64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	type shape struct{ rows, cols int }
	var shapes []shape
	for cols := 1; cols <= 67; cols++ {
		for _, rows := range []int{0, 1, 2, 7} {
			shapes = append(shapes, shape{rows, cols})
		}
	}
	shapes = append(shapes, shape{2000, 32}, shape{32, 64}, shape{300, 130}, shape{50, 1000})
	for _, impl := range supportedElementwise() {
		for _, sh := range shapes {
			src := values(rng, sh.rows*sh.cols)
			acc := make([]float64, sh.cols+2*band)
			for i := range acc {
				acc[i] = rng.NormFloat64()
			}
			want := append([]float64(nil), acc...)
			a := want[band : band+sh.cols]
			for r := range sh.rows { // nn's sumRows: float64, row order
				for j, v := range src[r*sh.cols : (r+1)*sh.cols] {
					a[j] += float64(v)
				}
			}
			s := newBanded(src)
			impl.sumRows64(acc[band:band+sh.cols:band+sh.cols], s.s())
			what := fmt.Sprintf("%s sumRows64 %dx%d", impl.name, sh.rows, sh.cols)
			sameBits(t, what+" input", s.s(), src)
			for i := range acc {
				if g, w := acc[i], want[i]; math.Float64bits(g) != math.Float64bits(w) && !(g != g && w != w) {
					t.Fatalf("%s: acc[%d] = %g, want %g", what, i-band, acc[i], want[i])
				}
			}
		}
	}
}

func TestElementwisePanics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	for name, f := range map[string]func(){
		"Relu":           func() { Relu(a, b) },
		"ReluGrad":       func() { ReluGrad(b, a) },
		"AddTo":          func() { AddTo(a, b) },
		"Adam":           func() { Adam(a, a, b, a, 1, 1, 1, 1) },
		"SumRows64":      func() { SumRows64(make([]float64, 2), a) },
		"SumRows64 zero": func() { SumRows64(nil, a) },
		"MaxPool2x2":     func() { MaxPool2x2(a, make([]float32, 16), 4, 4, 1) },
		"MaxPool2x2Grad": func() { MaxPool2x2Grad(a, b, b[:1], b[:1], 2, 2, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on mismatched lengths", name)
				}
			}()
			f()
		}()
	}
	// Matching lengths, empty ones included, do not panic.
	Relu(nil, nil)
	SumRows64(nil, nil)
	SumRows64(make([]float64, 2), b)
	MaxPool2x2(make([]float32, 4), make([]float32, 16), 4, 4, 1)
	MaxPool2x2Grad(b, b, b[:1], b[:1], 2, 2, 1)
}
