package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// keepAct is an activation the keep kernels fuse: the implementation's
// apply kernel, and the passes it replaces (NormApply, then the
// activation; its gradient).
type keepAct struct {
	name  string
	apply func(impl *normImpl) func(y, x []float32, scale, shift []float64, keep []byte)
	fwd   func(y, z []float32)
	grad  func(dy, y []float32)
}

var keepActs = []keepAct{
	{"relu6", func(impl *normImpl) func(y, x []float32, scale, shift []float64, keep []byte) {
		return impl.applyRelu6Keep
	},
		relu6Go, relu6GradGo},
	{"relu", func(impl *normImpl) func(y, x []float32, scale, shift []float64, keep []byte) {
		return impl.applyReluKeep
	},
		reluGo, reluGradGo},
}

// Every implementation of the kernels with the activation's gradient as
// bits gives the bits of the passes they replace: NormApply and the
// activation (and its gradient's rule for the bits), the activation's
// gradient then NormSums(round) and NormGrad(round), for channel counts
// that the assembly takes (multiples of 8, one to four vectors and more,
// several pieces past 32 channels) and others (the Go twins).
func TestNormKeepMatchesPasses(t *testing.T) {
	for _, act := range keepActs {
		testNormKeep(t, act)
	}
}

func testNormKeep(t *testing.T, act keepAct) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, impl := range supportedNorm() {
		name := impl.name + " " + act.name
		for _, c := range []int{3, 8, 12, 16, 24, 32, 40, 48, 56, 64, 96, 112} {
			for _, rows := range []int{1, 2, 5, 33, 150} {
				nc := newNormCase(rng, rows, c)
				n := len(nc.x)
				sc := append([]float64{1}, nc.b[1:]...) // channel 0: y = x, the specials reach relu6
				sh := append([]float64{0}, nc.a[1:]...)
				y1, y2 := make([]float32, n), make([]float32, n)
				keep := make([]byte, (n+7)/8)
				for i := range keep {
					keep[i] = 0xa5 // overwritten
				}
				act.apply(impl)(y1, nc.x, sc, sh, keep)
				normApplyGo(y2, nc.x, sc, sh)
				act.fwd(y2, y2)
				sameNormBits(t, name+" apply y", y1, y2)
				ones := make([]float32, n)
				for i := range ones {
					ones[i] = 1
				}
				act.grad(ones, y2)
				for i := range ones {
					if kept(keep, i) != (ones[i] == 1) {
						t.Fatalf("%s c%d rows %d: keep bit %d = %v, y %v", name, c, rows, i, kept(keep, i), y2[i])
					}
				}
				if n%8 != 0 && keep[n/8]>>(n%8) != 0 {
					t.Fatalf("%s c%d rows %d: bits past the values set: %08b", name, c, rows, keep[n/8])
				}
				dy := append([]float32(nil), nc.dy...)
				masked := append([]float32(nil), nc.dy...)
				act.grad(masked, y2)
				s1, q1 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
				s2, q2 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
				impl.sumsKeep(s1, q1, nc.a, nc.b, nc.x, dy, keep)
				normSumsKeepGo(s2, q2, nc.a, nc.b, nc.x, dy, keep)
				sameNormBits(t, name+" sumsKeep s", s1, s2)
				sameNormBits(t, name+" sumsKeep q", q1, q2)
				checkSumsKeep(t, name, s1, q1, nc, masked, keep)
				sameNormBits(t, name+" sumsKeep leaves dy", dy, nc.dy)
				dx := make([]float32, n)
				impl.gradKeepTo(dx, dy, nc.x, nc.a, nc.b, nc.k, nc.m1, nc.m2, keep)
				sameNormBits(t, name+" gradKeepTo leaves dy", dy, nc.dy)
				impl.gradKeep(dy, nc.x, nc.a, nc.b, nc.k, nc.m1, nc.m2, keep)
				normGradGo(masked, nc.x, nc.a, nc.b, nc.k, nc.m1, nc.m2, true)
				sameNormBits(t, name+" gradKeep", dy, masked)
				sameNormBits(t, name+" gradKeepTo", dx, masked)
			}
		}
	}
}

// checkSumsKeep checks NormSumsKeep's sums s and q (float32 over groups
// of rows) against NormSums' float64 ones within float32 rounding of the
// sums of magnitudes, and that calls on pieces of whole groups (the last
// one shorter) give the same bits.
func checkSumsKeep(t *testing.T, name string, s, q []float64, nc normCase, masked []float32, keep []byte) {
	t.Helper()
	c := len(nc.a)
	s2, q2 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
	normSumsGo(s2, q2, nc.a, nc.b, nc.x, masked, true)
	abs := make([]float32, len(masked))
	for i, v := range masked {
		abs[i] = float32(math.Abs(float64(v)))
	}
	sa, qa := make([]float64, c), make([]float64, c)
	normSumsGo(sa, qa, nc.a, nc.b, nc.x, abs, true)
	for j := range s {
		qb := 0.0
		for r := 0; r < len(nc.x)/c; r++ {
			qb += math.Abs(float64(abs[r*c+j]) * (float64(nc.x[r*c+j]) - nc.a[j]) * nc.b[j])
		}
		if d := math.Abs(s[j] - s2[j]); d > 1e-6*(sa[j]+math.Abs(nc.s[j])) {
			t.Fatalf("%s c%d: sumsKeep s[%d] = %v, float64 sums %v", name, c, j, s[j], s2[j])
		}
		if d := math.Abs(q[j] - q2[j]); d > 1e-6*(qb+math.Abs(nc.m1[j])) {
			t.Fatalf("%s c%d: sumsKeep q[%d] = %v, float64 sums %v", name, c, j, q[j], q2[j])
		}
	}
	rows := len(nc.x) / c
	s3, q3 := append([]float64(nil), nc.s...), append([]float64(nil), nc.m1...)
	for r0 := 0; r0 < rows; r0 += 2 * SumsGroupRows {
		r1 := min(rows, r0+2*SumsGroupRows)
		NormSumsKeep(s3, q3, nc.a, nc.b, nc.x[r0*c:r1*c], nc.dy[r0*c:r1*c], keepFrom(keep, r0*c, r1*c))
	}
	sameNormBits(t, name+" sumsKeep pieces s", s3, s)
	sameNormBits(t, name+" sumsKeep pieces q", q3, q)
}

// keepFrom returns the bits [lo, hi) of keep, from bit 0.
func keepFrom(keep []byte, lo, hi int) []byte {
	out := make([]byte, (hi-lo+7)/8)
	for i := lo; i < hi; i++ {
		if kept(keep, i) {
			out[(i-lo)/8] |= 1 << ((i - lo) % 8)
		}
	}
	return out
}

func TestNormKeepPanics(t *testing.T) {
	f64 := func() []float64 { return make([]float64, 8) }
	for name, f := range map[string]func(){
		"apply relu keep": func() { NormApplyReluKeep(make([]float32, 16), make([]float32, 8), f64(), f64(), make([]byte, 2)) },
		"apply keep":      func() { NormApplyRelu6Keep(make([]float32, 16), make([]float32, 16), f64(), f64(), make([]byte, 1)) },
		"sums keep": func() {
			NormSumsKeep(f64(), f64(), f64(), f64(), make([]float32, 16), make([]float32, 16), make([]byte, 1))
		},
		"sums dy": func() {
			NormSumsKeep(f64(), f64(), f64(), f64(), make([]float32, 16), make([]float32, 8), make([]byte, 2))
		},
		"grad rows": func() {
			NormGradKeep(make([]float32, 12), make([]float32, 12), f64(), f64(), f64(), f64(), f64(), make([]byte, 2))
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

// NormApplyAddReluKeep gives the bits of NormApply then Add2Relu with the
// residual, and the bits of ReluGrad's rule on that output; CopyKept
// gives ReluGrad on a copy of dy from those bits, and AddKept AddTo of
// that copy. Every implementation,
// channel counts the assembly takes and others, residuals with -0, ±Inf
// and NaN, pieces past 32 channels.
func TestNormApplyAddReluKeep(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	specials := []float32{float32(math.Copysign(0, -1)), 0, float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.NaN()), -3}
	for _, impl := range supportedNorm() {
		for _, c := range []int{3, 8, 16, 24, 32, 40, 64, 112} {
			for _, rows := range []int{1, 2, 5, 33, 150} {
				nc := newNormCase(rng, rows, c)
				n := len(nc.x)
				r := append([]float32(nil), nc.dy...)
				for i := 1; i < n && i < 4*len(specials); i += 4 {
					r[i] = specials[i/4]
				}
				y1, y2 := make([]float32, n), make([]float32, n)
				keep := make([]byte, (n+7)/8)
				for i := range keep {
					keep[i] = 0x5a // overwritten
				}
				impl.applyAddReluKeep(y1, nc.x, r, nc.b, nc.a, keep)
				normApplyGo(y2, nc.x, nc.b, nc.a)
				add2ReluGo(y2, y2, r)
				sameNormBits(t, impl.name+" apply+add+relu", y1, y2)
				dy, want := append([]float32(nil), nc.dy...), append([]float32(nil), nc.dy...)
				reluGradGo(want, y2)
				for i := range y2 {
					if kept(keep, i) != (-int32(math.Float32bits(y2[i])) < 0) { // reluGradGo's rule
						t.Fatalf("%s c%d rows %d: bit %d = %v, y %v", impl.name, c, rows, i, kept(keep, i), y2[i])
					}
				}
				if n%8 != 0 && keep[n/8]>>(n%8) != 0 {
					t.Fatalf("%s c%d rows %d: bits past the values set: %08b", impl.name, c, rows, keep[n/8])
				}
				d := make([]float32, n)
				CopyKept(d, dy, keep)
				sameNormBits(t, "CopyKept", d, want)
				sameNormBits(t, "CopyKept leaves dy", dy, nc.dy)
				acc, accWant := append([]float32(nil), r...), append([]float32(nil), r...)
				impl.addKept(acc, dy, keep)
				addToGo(accWant, want)
				sameNormBits(t, impl.name+" addKept", acc, accWant)
			}
		}
	}
}
