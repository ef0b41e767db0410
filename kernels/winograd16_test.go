package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// wino16Direct is a 16-channel 3×3 "same" convolution's output rows [r0,
// r1) summed in float64 (the reference of TestWino16Error).
func wino16Direct(g ConvGeom, x []float32, r0, r1 int, w, bias []float32) []float64 {
	y := make([]float64, (r1-r0)*16)
	per := g.OH * g.OW
	for r := r0; r < r1; r++ {
		n, oh, ow := r/per, r%per/g.OW, r%g.OW
		for j := 0; j < 16; j++ {
			var s float64
			for h := 0; h < 3; h++ {
				for t := 0; t < 3; t++ {
					ih, iw := oh-1+h, ow-1+t
					if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
						continue
					}
					for ch := 0; ch < 16; ch++ {
						s += float64(x[((n*g.H+ih)*g.W+iw)*16+ch]) * float64(w[((h*3+t)*16+ch)*16+j])
					}
				}
			}
			if bias != nil {
				s += float64(bias[j])
			}
			y[(r-r0)*16+j] = s
		}
	}
	return y
}

func sameGeom16(n, h, w int) ConvGeom {
	return ConvGeom{N: n, H: h, W: w, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: h, OW: w}
}

// TestWino16Error: Wino16Rows against the float64 direct sums, for even
// and odd heights, widths of one to 20 tiles (groups cut and whole), with
// and without a bias, every cut of the rows the same bits (y cut at r1 or
// holding the rest of the rows, which stay unwritten): the error
// within 2e-6 of the largest output (measured 1.3e-7 to 2.1e-7 of it).
// Without the vector passes (purego), their Go twins.
func TestWino16Error(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, g := range []ConvGeom{sameGeom16(2, 6, 32), sameGeom16(1, 7, 2), sameGeom16(2, 5, 18), sameGeom16(1, 4, 40), sameGeom16(1, 1, 4)} {
		if !wino16Geom(g, 16) {
			t.Fatalf("%+v: not a 16-channel same convolution", g)
		}
		m := g.Rows()
		x, w := normal(g.N*g.H*g.W*16), normal(9*256)
		u := make([]float32, Wino16WeightsLen)
		Wino16Weights(w, u)
		buf := make([]float32, Wino16Len(g))
		for _, bias := range [][]float32{nil, normal(16)} {
			what := fmt.Sprintf("%dx%d, bias %v", g.H, g.W, bias != nil)
			want := wino16Direct(g, x, 0, m, w, bias)
			got := make([]float32, m*16)
			Wino16Rows(g, x, 0, m, u, bias, got, buf)
			var maxAbs, maxErr float64
			for i, v := range want {
				maxAbs = max(maxAbs, math.Abs(v))
				maxErr = max(maxErr, math.Abs(float64(got[i])-v))
			}
			if maxErr > 2e-6*maxAbs {
				t.Errorf("%s: error %.3g of the largest output %.3g", what, maxErr/maxAbs, maxAbs)
			}
			for _, cut := range []int{7, g.OW - 1, g.OW + 3, 2*g.OW + 1} { // cuts inside pairs of rows
				part := make([]float32, m*16)
				for r0 := 0; r0 < m; r0 += cut {
					r1 := min(m, r0+cut)
					Wino16Rows(g, x, r0, r1, u, bias, part[r0*16:r1*16], buf)
				}
				sameBits(t, fmt.Sprintf("%s, cut %d", what, cut), part, got)
				// y holding the rows past r1 too: they are prefetched, never written.
				for r0 := 0; r0 < m; r0 += cut {
					r1 := min(m, r0+cut)
					long := make([]float32, (m-r0)*16)
					for i := range long {
						long[i] = -7
					}
					Wino16Rows(g, x, r0, r1, u, bias, long, buf)
					sameBits(t, fmt.Sprintf("%s, cut %d, rows %d-%d of a longer y", what, cut, r0, r1), long[:(r1-r0)*16], got[r0*16:r1*16])
					for i, v := range long[(r1-r0)*16:] {
						if v != -7 {
							t.Fatalf("%s, cut %d: rows %d-%d of a longer y wrote %g at %d past them", what, cut, r0, r1, v, i)
						}
					}
				}
			}
		}
	}
}

// TestWino16Passes: the vector passes give their Go twins' bits (tiles of
// one to 20, spare tiles in the groups, with and without a bias, zero
// rows) and write nothing outside their outputs.
func TestWino16Passes(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for tiles := 1; tiles <= 20; tiles++ {
		pad := wino16Pad(2 * tiles)
		var rows [4][]float32
		for i := range rows {
			rows[i] = normal(2 * tiles * 16)
		}
		rows[3] = make([]float32, 2*tiles*16) // a padding row
		want := normal(16 * pad * 16)
		got := newBanded(want)
		pf := [2][]float32{rows[0], rows[1]}
		wino16InputGo(&rows, tiles, want, pad, &pf)
		wino16Input(&rows, tiles, got.s(), pad, &pf)
		what := fmt.Sprintf("input, %d tiles", tiles)
		got.check(t, what)
		sameBits(t, what, got.s(), want)

		u := normal(Wino16WeightsLen)
		wantP := append([]float32(nil), want...)
		wino16ProductsGo(pad/wino16Group, wantP, pad, u)
		gotP := newBanded(want)
		wino16Products(pad/wino16Group, gotP.s(), pad, u)
		what = fmt.Sprintf("products, %d tiles", tiles)
		gotP.check(t, what)
		sameBits(t, what, gotP.s(), wantP)

		for _, bias := range [][]float32{nil, normal(16)} {
			want0, want1 := normal(2*tiles*16), normal(2*tiles*16)
			got0, got1 := newBanded(want0), newBanded(want1)
			wino16OutputGo(wantP, pad, tiles, want0, want1, bias, &pf)
			wino16Output(wantP, pad, tiles, got0.s(), got1.s(), bias, &pf)
			what = fmt.Sprintf("output, %d tiles, bias %v", tiles, bias != nil)
			got0.check(t, what)
			got1.check(t, what)
			sameBits(t, what, got0.s(), want0)
			sameBits(t, what, got1.s(), want1)
		}
	}
}

// TestWino16Weights: the serial transforms give WinogradKernel's and
// WinogradFlipFrom's bits.
func TestWino16Weights(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	w := make([]float32, 9*256)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	u, uT := make([]float32, Wino16WeightsLen), make([]float32, Wino16WeightsLen)
	Wino16Weights(w, u)
	Wino16FlipWeights(u, uT)
	want, wantT := make([]float32, Wino16WeightsLen), make([]float32, Wino16WeightsLen)
	WinogradKernel(w, 16, 16, false, want)
	WinogradKernel(w, 16, 16, true, wantT)
	sameBits(t, "forward", u, want)
	sameBits(t, "flipped", uT, wantT)
}

// TestWino16KernelGrad: ConvKernelGradDirect by Winograd (blocks of whole
// pairs of rows, blocks starting or ending inside a pair, a sample's odd
// last row, blocks across samples; beta 0, 1 and ½) against the float64
// sums over the block's
// positions: within 2e-6 of the largest gradient element (measured
// 0.9e-7 to 3.5e-7 of it); ConvKernelGradDirect runs it where
// Wino16Applies. Without the vector passes (purego), their Go twins.
func TestWino16KernelGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 68))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, c := range []struct {
		g        ConvGeom
		oh0, oh1 int // the block's output rows from sample 1's first
	}{
		{sameGeom16(3, 8, 32), 0, 8}, {sameGeom16(3, 8, 32), 2, 6}, {sameGeom16(3, 7, 6), 1, 7},
		{sameGeom16(3, 7, 6), 3, 4}, {sameGeom16(3, 5, 2), 0, 5}, {sameGeom16(3, 5, 2), -3, 9},
		{sameGeom16(3, 4, 8), -4, 8},
	} {
		g := c.g
		x, dz := normal(g.N*g.H*g.W*16), normal(g.Rows()*16)
		a0, a1 := (g.OH+c.oh0)*g.OW, (g.OH+c.oh1)*g.OW
		want := make([]float64, 9*256)
		per := g.OH * g.OW
		for r := a0; r < a1; r++ {
			n, oh, ow := r/per, r%per/g.OW, r%g.OW
			for h := 0; h < 3; h++ {
				for tap := 0; tap < 3; tap++ {
					ih, iw := oh-1+h, ow-1+tap
					if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
						continue
					}
					for ch := 0; ch < 16; ch++ {
						xv := float64(x[((n*g.H+ih)*g.W+iw)*16+ch])
						for j := 0; j < 16; j++ {
							want[((h*3+tap)*16+ch)*16+j] += xv * float64(dz[r*16+j])
						}
					}
				}
			}
		}
		old := normal(9 * 256)
		for _, beta := range []float32{0, 1, 0.5} {
			got := append([]float32(nil), old...)
			wino16KernelGrad(g, x, a0, a1, dz, beta, got, make([]float32, wino16GradLen(g)))
			if wino16GradApplies(g, 16) {
				direct := append([]float32(nil), old...)
				ConvKernelGradDirect(g, x, a0, a1, dz, 16, beta, direct, make([]float32, ConvGradDirectLen(g, a0, a1)))
				sameBits(t, "ConvKernelGradDirect", direct, got)
			}
			var maxAbs, maxErr float64
			for i, w := range want {
				w += float64(beta) * float64(old[i])
				maxAbs = max(maxAbs, math.Abs(w))
				maxErr = max(maxErr, math.Abs(float64(got[i])-w))
			}
			if maxErr > 2e-6*maxAbs {
				t.Errorf("%dx%d rows %d-%d, beta %v: error %.3g of the largest %.3g", g.H, g.W, c.oh0, c.oh1, beta, maxErr/maxAbs, maxAbs)
			}
		}
	}
}

// TestWino16GradPasses: the kernel gradient's vector passes give their Go
// twins' bits (one to 20 tiles, a zero row of dy, with and without
// adding) and write nothing outside their outputs.
func TestWino16GradPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(69, 70))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for tiles := 1; tiles <= 20; tiles++ {
		pad := wino16Pad(2 * tiles)
		d0, d1 := normal(2*tiles*16), make([]float32, 2*tiles*16)
		if tiles%2 == 0 {
			d1 = normal(2 * tiles * 16)
		}
		v := normal(16 * pad * 16)
		wantS := normal(Wino16WeightsLen)
		gotS := newBanded(wantS)
		wino16GradProductsGo(tiles, v, d0, d1, pad, wantS, &[2][]float32{d0, d1})
		wino16GradProducts(tiles, v, d0, d1, pad, gotS.s(), &[2][]float32{d0, d1})
		what := fmt.Sprintf("gradient products, %d tiles", tiles)
		gotS.check(t, what)
		sameBits(t, what, gotS.s(), wantS)

		for _, add := range []bool{false, true} {
			wantG := normal(9 * 256)
			gotG := newBanded(wantG)
			wino16GradWeightsGo(wantS, wantG, add)
			wino16GradWeights(wantS, gotG.s(), add)
			what = fmt.Sprintf("gradient weights, %d tiles, add %v", tiles, add)
			gotG.check(t, what)
			sameBits(t, what, gotG.s(), wantG)
		}
	}
}
