package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The depthwise kernels are tested through the whole computation
// (plan + kernels) on many geometries: every implementation gives the Go
// twin's bits; the forward pass and the kernel gradient also give the
// pixel-by-pixel loops' bits (same sums in the same order), the input
// gradient (a gather instead of the loops' scatter, so another order)
// agrees with them within float32 rounding. Outputs sit between guard
// bands, inputs must come back unchanged.

// dwGeom builds a depthwise geometry as nn does (Keras' "same" puts the
// odd padding row and column at the end).
func dwGeom(n, h, w, c, kh, kw, sh, sw int, same bool) ConvGeom {
	axis := func(in, k, s int) (out, before int) {
		if same {
			out = (in + s - 1) / s
			return out, max((out-1)*s+k-in, 0) / 2
		}
		return (in-k)/s + 1, 0
	}
	oh, pt := axis(h, kh, sh)
	ow, pl := axis(w, kw, sw)
	return ConvGeom{N: n, H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
}

func dwGeoms() []ConvGeom {
	var gs []ConvGeom
	for _, c := range []int{1, 3, 8, 15, 16, 17, 40, 64, 71, 96} {
		gs = append(gs,
			dwGeom(2, 7, 6, c, 3, 3, 1, 1, true),
			dwGeom(2, 7, 9, c, 3, 3, 2, 2, true),
			dwGeom(1, 9, 8, c, 3, 3, 2, 2, false),
		)
	}
	return append(gs,
		dwGeom(2, 5, 7, 9, 2, 3, 2, 1, true),
		dwGeom(1, 8, 8, 24, 5, 5, 1, 1, true),
		dwGeom(1, 8, 11, 5, 5, 5, 3, 2, true),
		dwGeom(1, 6, 6, 33, 1, 1, 1, 1, false),
		dwGeom(3, 4, 4, 16, 4, 4, 1, 1, false),
		dwGeom(1, 2, 3, 16, 3, 3, 1, 1, true),    // every pixel at a border
		dwGeom(1, 10, 10, 20, 3, 3, 3, 3, false), // rows and columns read by no output
	)
}

// normals returns n standard normal values.
func normals(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// dwCase holds one geometry's inputs.
type dwCase struct {
	g          ConvGeom
	x, k, dz   []float32
	nx, ny, nk int
}

func newDwCase(rng *rand.Rand, g ConvGeom) dwCase {
	c := dwCase{g: g, nx: g.N * g.H * g.W * g.C, ny: g.N * g.OH * g.OW * g.C, nk: g.KH * g.KW * g.C}
	c.x, c.k, c.dz = normals(rng, c.nx), normals(rng, c.nk), normals(rng, c.ny)
	return c
}

func (c dwCase) String() string {
	g := c.g
	return fmt.Sprintf("%dx%dx%dx%d k%dx%d s%dx%d pad%d,%d", g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PadTop, g.PadLeft)
}

// forward runs impl's forward pass on a bias-like start value, the
// output between guard bands.
func (c dwCase) forward(t *testing.T, impl *depthwiseImpl, y0 []float32) []float32 {
	t.Helper()
	x, k, y := newBanded(c.x), newBanded(c.k), newBanded(y0)
	depthwiseForwardWith(impl, c.g, x.s(), k.s(), nil, false, y.s(), nil, false)
	what := fmt.Sprintf("%s forward %v", impl.name, c)
	y.check(t, what)
	sameBits(t, what+": x changed", x.s(), c.x)
	sameBits(t, what+": k changed", k.s(), c.k)
	return y.s()
}

// backward runs impl's backward pass, outputs between guard bands and
// filled with garbage first (the pass must overwrite them).
func (c dwCase) backward(t *testing.T, impl *depthwiseImpl, rng *rand.Rand) (dk, dx []float32) {
	t.Helper()
	x, k, dz := newBanded(c.x), newBanded(c.k), newBanded(c.dz)
	gk, gx, part := newBanded(values(rng, c.nk)), newBanded(values(rng, c.nx)), newBanded(values(rng, c.g.N*c.nk))
	depthwiseBackwardWith(impl, c.g, x.s(), k.s(), dz.s(), gk.s(), gx.s(), part.s())
	what := fmt.Sprintf("%s backward %v", impl.name, c)
	gk.check(t, what+" dk")
	gx.check(t, what+" dx")
	part.check(t, what+" part")
	sameBits(t, what+": x changed", x.s(), c.x)
	sameBits(t, what+": k changed", k.s(), c.k)
	sameBits(t, what+": dz changed", dz.s(), c.dz)
	return gk.s(), gx.s()
}

func TestDepthwiseForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for _, g := range dwGeoms() {
		c := newDwCase(rng, g)
		y0 := normals(rng, c.ny)
		want := clone(y0)
		depthwiseForwardPixels(g, 1, c.x, c.k, want)
		for _, impl := range supportedDepthwise() {
			sameBits(t, fmt.Sprintf("%s forward %v", impl.name, c), c.forward(t, impl, clone(y0)), want)
		}
	}
}

func TestDepthwiseBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	for _, g := range dwGeoms() {
		c := newDwCase(rng, g)
		wantK, loopX := make([]float32, c.nk), make([]float32, c.nx)
		depthwiseBackwardPixels(g, 1, c.x, c.k, c.dz, wantK, loopX, make([]float32, g.N*c.nk))
		twinK, twinX := c.backward(t, goDepthwise, rng)
		sameBits(t, fmt.Sprintf("go dk %v", c), twinK, wantK)
		closeSums(t, fmt.Sprintf("go dx %v", c), twinX, loopX, g.KH*g.KW)
		for _, impl := range supportedDepthwise() {
			dk, dx := c.backward(t, impl, rng)
			sameBits(t, fmt.Sprintf("%s dk %v", impl.name, c), dk, wantK)
			sameBits(t, fmt.Sprintf("%s dx %v", impl.name, c), dx, twinX)
		}
	}
}

// closeSums fails unless got and want, sums of at most terms products of
// standard normals, agree within float32 rounding of such sums.
func closeSums(t *testing.T, what string, got, want []float32, terms int) {
	t.Helper()
	tol := float64(terms) * 8 * 0x1p-24
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestDepthwiseNoDx: without dx only dk is written.
func TestDepthwiseNoDx(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	c := newDwCase(rng, dwGeom(2, 6, 5, 19, 3, 3, 2, 1, true))
	want := make([]float32, c.nk)
	depthwiseBackwardPixels(c.g, 1, c.x, c.k, c.dz, want, nil, make([]float32, c.g.N*c.nk))
	for _, impl := range supportedDepthwise() {
		dk := make([]float32, c.nk)
		depthwiseBackwardWith(impl, c.g, c.x, c.k, c.dz, dk, nil, make([]float32, c.g.N*c.nk))
		sameBits(t, impl.name+" dk without dx", dk, want)
	}
}

// TestDepthwisePlanCovers: every (output, tap) pair that the pixel loops
// visit is in exactly one run of each plan.
func TestDepthwisePlanCovers(t *testing.T) {
	for _, g := range dwGeoms() {
		g.C = 1
		var pairs, fwd, bwd int
		for oh := range g.OH {
			for ow := range g.OW {
				g.eachTap(oh, ow, func(int, int) { pairs++ })
			}
		}
		for _, r := range depthwisePlan(g, false).runs {
			fwd += r.n * (r.t1 - r.t0) / 2
		}
		for _, r := range depthwisePlan(g, true).runs {
			bwd += r.n * (r.t1 - r.t0) / 2
		}
		if fwd != pairs || bwd != pairs {
			t.Errorf("%+v: %d (output, tap) pairs; the forward plan has %d, the input-gradient plan %d", g, pairs, fwd, bwd)
		}
	}
}

// TestDepthwiseMultiplier: M > 1 (the pixel loops) against a naive
// convolution in float64.
func TestDepthwiseMultiplier(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	g, m := dwGeom(2, 5, 6, 3, 3, 2, 2, 1, true), 2
	x, k := normals(rng, g.N*g.H*g.W*g.C), normals(rng, g.KH*g.KW*g.C*m)
	y := make([]float32, g.N*g.OH*g.OW*g.C*m)
	DepthwiseForward(g, m, x, k, y)
	for b := range g.N {
		for oh := range g.OH {
			for ow := range g.OW {
				for o := range g.C * m {
					var s float64
					g.eachTap(oh, ow, func(tap, pix int) {
						s += float64(x[(b*g.H*g.W+pix)*g.C+o/m]) * float64(k[tap*g.C*m+o])
					})
					if got := y[((b*g.OH+oh)*g.OW+ow)*g.C*m+o]; math.Abs(float64(got)-s) > 1e-5*max(1, math.Abs(s)) {
						t.Fatalf("y[%d,%d,%d,%d] = %g, want %g", b, oh, ow, o, got, s)
					}
				}
			}
		}
	}
}

// TestDepthwiseForwardBias: setting y to the bias (or zeros) inside the
// per-sample loop gives the bits of filling y first and adding into it,
// for M = 1 and M > 1, whatever y held before.
func TestDepthwiseForwardBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	for _, m := range []int{1, 2} {
		for _, g := range dwGeoms()[:4] {
			c := newDwCase(rng, g)
			k := normals(rng, g.KH*g.KW*g.C*m)
			ny := g.N * g.OH * g.OW * g.C * m
			for _, bias := range [][]float32{nil, normals(rng, g.C*m)} {
				want := make([]float32, ny)
				fillBias(want, bias)
				if bias != nil {
					for i := range want {
						if want[i] != bias[i%len(bias)] {
							t.Fatalf("fillBias: [%d] = %g, want %g", i, want[i], bias[i%len(bias)])
						}
					}
				}
				DepthwiseForward(g, m, c.x, k, want)
				got := normals(rng, ny) // garbage to overwrite
				DepthwiseForwardBias(g, m, c.x, k, bias, got, nil)
				sameBits(t, fmt.Sprintf("m=%d bias=%v %v", m, bias != nil, g), got, want)
				DepthwiseForwardBias(g, m, c.x, k, bias, got, func(yb []float32) { Relu6(yb, yb) })
				Relu6(want, want)
				sameBits(t, fmt.Sprintf("m=%d bias=%v %v, relu6 after each sample", m, bias != nil, g), got, want)
			}
		}
	}
}

// The forward pass starting from the bias and applying relu6 in the
// kernels (depthwiseForwardWith with relu6, every implementation) gives
// the bits of y set to the bias, the pixel loops' sums, then Relu6; on
// every geometry, with outputs around relu6's corners, with and without a
// bias, and on a plan whose runs leave outputs unwritten (padding wider
// than the kernel: the bias stays there).
func TestDepthwiseForwardRelu6(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 6))
	wide := ConvGeom{N: 2, H: 2, W: 3, C: 17, KH: 1, KW: 1, SH: 1, SW: 1, PadTop: 1, PadLeft: 2, OH: 4, OW: 6}
	gs := dwGeoms()
	if depthwisePlan(wide, false).covers || !depthwisePlan(gs[0], false).covers {
		t.Fatal("covers: want false for the wide padding, true for a same padding")
	}
	if depthwisePlan(gs[len(gs)-1], true).covers || !depthwisePlan(gs[0], true).covers {
		t.Fatal("input-gradient covers: want false for pixels read by no output, true for a same padding")
	}
	for _, g := range append(dwGeoms(), wide) {
		c := newDwCase(rng, g)
		for i := range c.k {
			c.k[i] *= 3 // sums well past 6 and below 0
		}
		for _, bias := range [][]float32{nil, normals(rng, g.C)} {
			want := make([]float32, c.ny)
			fillBias(want, bias)
			depthwiseForwardPixels(g, 1, c.x, c.k, want)
			Relu6(want, want)
			for _, impl := range supportedDepthwise() {
				y := newBanded(normals(rng, c.ny)) // garbage to overwrite
				depthwiseForwardWith(impl, g, c.x, c.k, bias, true, y.s(), nil, true)
				what := fmt.Sprintf("%s relu6 bias=%v %v", impl.name, bias != nil, c)
				y.check(t, what)
				sameBits(t, what, y.s(), want)
			}
		}
	}
	g := dwGeoms()[1]
	c := newDwCase(rng, g)
	bias := normals(rng, g.C)
	want := make([]float32, c.ny)
	DepthwiseForwardBias(g, 1, c.x, c.k, bias, want, func(yb []float32) { Relu6(yb, yb) })
	got := make([]float32, c.ny)
	DepthwiseForwardBiasRelu6(g, 1, c.x, c.k, bias, got)
	sameBits(t, "DepthwiseForwardBiasRelu6", got, want)
}
