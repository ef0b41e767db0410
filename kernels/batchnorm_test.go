package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// normCase is random data for the batch-normalization kernels: rows of c
// channels, per-channel constants, and a few extreme inputs.
type normCase struct {
	x, dy              []float32
	a, b, k, m1, m2, s []float64
}

func newNormCase(rng *rand.Rand, rows, c int) normCase {
	f32 := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 3)
		}
		return v
	}
	f64 := func() []float64 {
		v := make([]float64, c)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	nc := normCase{x: f32(rows * c), dy: f32(rows * c), a: f64(), b: f64(), k: f64(), m1: f64(), m2: f64(), s: f64()}
	specials := []float32{0, float32(math.Copysign(0, -1)), 1e30, -1e-30, float32(math.Inf(1)), float32(math.NaN())}
	for i := 0; i < len(nc.x) && i < 2*len(specials); i += 2 {
		nc.x[i] = specials[i/2]
	}
	return nc
}

// sameNormBits compares two results bit for bit; NaNs match any NaN (the
// payload may come from either operand, as between two Go compilations).
func sameNormBits[T float32 | float64](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("%s [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// Every implementation gives the bits of the Go twins, for every channel
// count (whole vector blocks and masked tails) and row count (150 rows of
// more than 32 channels run in several pieces: normPieceValues).
func TestNormKernelsMatchTwins(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, impl := range supportedNorm() {
		for _, c := range []int{1, 3, 7, 8, 9, 16, 17, 24, 31, 32, 33, 40, 57, 64, 96, 100} {
			for _, rows := range []int{1, 2, 5, 33, 150} {
				nc := newNormCase(rng, rows, c)
				for _, round := range []bool{false, true} {
					for _, dy := range [][]float32{nil, nc.dy} {
						for _, bb := range [][]float64{nc.b, nil} { // b nil: the statistics, x - a
							if bb == nil && dy != nil {
								continue
							}
							s1, q1 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
							s2, q2 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
							impl.sums(s1, q1, nc.a, bb, nc.x, dy, round)
							normSumsGo(s2, q2, nc.a, bb, nc.x, dy, round)
							sameNormBits(t, impl.name+" sums s", s1, s2)
							sameNormBits(t, impl.name+" sums q", q1, q2)
						}
					}
					d1, d2 := append([]float32(nil), nc.dy...), append([]float32(nil), nc.dy...)
					impl.grad(d1, nc.x, nc.a, nc.b, nc.k, nc.m1, nc.m2, round)
					normGradGo(d2, nc.x, nc.a, nc.b, nc.k, nc.m1, nc.m2, round)
					sameNormBits(t, impl.name+" grad", d1, d2)
				}
				y1, y2 := make([]float32, len(nc.x)), make([]float32, len(nc.x))
				impl.apply(y1, nc.x, nc.a, nc.b)
				normApplyGo(y2, nc.x, nc.a, nc.b)
				sameNormBits(t, impl.name+" apply", y1, y2)
				impl.apply(y1, y1, nc.a, nc.b) // in place
				normApplyGo(y2, y2, nc.a, nc.b)
				sameNormBits(t, impl.name+" apply in place", y1, y2)
				yr := append([]float32(nil), nc.x...) // as relu6's output: specials and values in (0, 6) and out
				relu6Go(yr[len(yr)/2:], yr[len(yr)/2:])
				s1, q1 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
				s2, q2 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
				d1, d2 := append([]float32(nil), nc.dy...), append([]float32(nil), nc.dy...)
				impl.sumsRelu6(s1, q1, nc.a, nc.b, nc.x, d1, yr)
				relu6GradGo(d2, yr)
				normSumsGo(s2, q2, nc.a, nc.b, nc.x, d2, true)
				sameNormBits(t, impl.name+" sumsRelu6 s", s1, s2)
				sameNormBits(t, impl.name+" sumsRelu6 q", q1, q2)
				sameNormBits(t, impl.name+" sumsRelu6 dy", d1, d2)
				sc := append([]float64{1}, nc.b[1:]...) // channel 0: y = x, the specials reach relu6
				sh := append([]float64{0}, nc.a[1:]...)
				impl.applyRelu6(y1, nc.x, sc, sh)
				normApplyGo(y2, nc.x, sc, sh)
				relu6Go(y2, y2)
				sameNormBits(t, impl.name+" applyRelu6", y1, y2)
			}
		}
	}
}

// The twins compute the formulas of their documentation (written here
// once more, element by element).
func TestNormTwinsFollowTheirFormulas(t *testing.T) {
	nc := newNormCase(rand.New(rand.NewPCG(1, 1)), 5, 5)
	x, dy := nc.x[15:], nc.dy[15:] // rows 3 and 4: no special values
	s, q := make([]float64, 5), make([]float64, 5)
	normSumsGo(s, q, nc.a, nc.b, x, dy, true)
	ss, sq := make([]float64, 5), make([]float64, 5)
	normSumsGo(ss, sq, nc.a, nil, x, nil, false)
	y := make([]float32, 10)
	normApplyGo(y, x, nc.k, nc.m1)
	for j := 0; j < 5; j++ {
		var ps, px float64 // Backward's sums: Σdy and Σdy·x within a group of rows (one here)
		for r := 0; r < 2; r++ {
			d := float64(dy[r*5+j])
			ps += d
			px += d * float64(x[r*5+j])
		}
		ws, wq := ps, math.FMA(nc.b[j], math.FMA(-nc.a[j], ps, px), 0) // Σdy·h = b·(Σdy·x - a·Σdy)
		h0, h1 := float64(x[j])-nc.a[j], float64(x[5+j])-nc.a[j]       // the statistics: rows 0 and 1 in partials 0 and 1
		if ss[j] != h0+h1 || sq[j] != h0*h0+h1*h1 {
			t.Fatalf("channel %d: statistics %v %v, want %v %v", j, ss[j], sq[j], h0+h1, h0*h0+h1*h1)
		}
		if s[j] != ws || q[j] != wq {
			t.Fatalf("channel %d: sums %v %v, want %v %v", j, s[j], q[j], ws, wq)
		}
		if w := float32(x[5+j]*float32(nc.k[j])) + float32(nc.m1[j]); y[5+j] != w {
			t.Fatalf("apply [%d] = %v, want %v", 5+j, y[5+j], w)
		}
	}
}

func TestNormKernelsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"sums rows": func() {
			NormSums(make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float32, 7), nil, false)
		},
		"sums short": func() {
			NormSums(make([]float64, 2), make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float32, 6), nil, false)
		},
		"sums dy": func() {
			NormSums(make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float32, 6), make([]float32, 3), false)
		},
		"apply y": func() { NormApply(make([]float32, 3), make([]float32, 6), make([]float64, 3), make([]float64, 3)) },
		"grad shapes": func() {
			NormGrad(make([]float32, 6), make([]float32, 6), make([]float64, 4), make([]float64, 4), nil, nil, nil, false)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// The input gradient's fused form stays within float32 rounding of the
// formula k·((d - m1) - h·m2) written out in float64, relative to the
// size of its terms.
func TestNormGradCloseToFormula(t *testing.T) {
	nc := newNormCase(rand.New(rand.NewPCG(5, 6)), 40, 7)
	x, dy := nc.x[14:], nc.dy[14:] // no special values
	for _, impl := range supportedNorm() {
		d := append([]float32(nil), dy...)
		impl.grad(d, x, nc.a, nc.b, nc.k, nc.m1, nc.m2, true)
		for i, got := range d {
			j := i % 7
			h := (float64(x[i]) - nc.a[j]) * nc.b[j]
			t1, t2, t3 := nc.k[j]*float64(dy[i]), nc.k[j]*nc.m1[j], nc.k[j]*h*nc.m2[j]
			want := nc.k[j] * ((float64(dy[i]) - nc.m1[j]) - h*nc.m2[j])
			if tol := 1e-6 * (math.Abs(t1) + math.Abs(t2) + math.Abs(t3)); math.Abs(float64(got)-want) > tol {
				t.Fatalf("%s [%d] = %v, want %v within %v", impl.name, i, got, want, tol)
			}
		}
	}
}

// NormSums allocates nothing (its pieces' closure, called through a
// variable, escaped: an allocation on every call, about 90 KB of garbage
// per resnet-20 training step).
func TestNormSumsDoesNotAllocate(t *testing.T) {
	const c, rows = 64, 40
	s, q, a, b := make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c)
	x, dy := make([]float32, rows*c), make([]float32, rows*c)
	for _, d := range [][]float32{nil, dy} {
		if n := testing.AllocsPerRun(10, func() { NormSums(s, q, a, b, x, d, false) }); n != 0 {
			t.Errorf("dy %v: %.1f allocations per call", d != nil, n)
		}
	}
	if n := testing.AllocsPerRun(10, func() { NormSums(s, q, a, nil, x, nil, false) }); n != 0 {
		t.Errorf("statistics (b nil): %.1f allocations per call", n)
	}
}
