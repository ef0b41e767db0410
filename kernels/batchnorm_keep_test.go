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
				normSumsGo(s2, q2, nc.a, nc.b, nc.x, masked, true)
				sameNormBits(t, name+" sumsKeep s", s1, s2)
				sameNormBits(t, name+" sumsKeep q", q1, q2)
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
