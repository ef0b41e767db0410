package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// tapConvRef is ConvRowsDirect's output rows [r0, r1) in the three-tap
// kernels' order: each output from zero over kernel rows, channels, kernel
// columns (padding's taps as zeros), one FMA (convTapGo's) per term, the
// bias added last.
func tapConvRef(g ConvGeom, x []float32, r0, r1 int, w []float32, f int, bias []float32) []float32 {
	y := make([]float32, (r1-r0)*f)
	per := g.OH * g.OW
	for r := r0; r < r1; r++ {
		n, oh, ow := r/per, r%per/g.OW, r%g.OW
		for j := 0; j < f; j++ {
			var acc float32
			for h := 0; h < g.KH; h++ {
				for ch := 0; ch < g.C; ch++ {
					for t := 0; t < g.KW; t++ {
						ih, iw := oh*g.SH-g.PadTop+h, ow*g.SW-g.PadLeft+t
						var xv float32
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							xv = x[((n*g.H+ih)*g.W+iw)*g.C+ch]
						}
						acc = float32(math.FMA(float64(xv), float64(w[((h*g.KW+t)*g.C+ch)*f+j]), float64(acc)))
					}
				}
			}
			if bias != nil {
				acc += bias[j]
			}
			y[(r-r0)*f+j] = acc
		}
	}
	return y
}

// TestConvTapKernel: the three-tap kernel (assembly where it runs) gives
// convTapGo's bits for every row count and edges, one to three kernel
// rows, one, three and 16 channels, strides between rows and filters wider than the
// call's, with and without a bias; and writes nothing outside y's rows.
func TestConvTapKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for rows := 1; rows <= tapMaxRows; rows++ {
		for _, kh := range []int{1, 3} {
			for _, c := range []int{1, 3, 16} {
				for edges := 0; edges <= tapBoth; edges++ {
					ldx, ldw, ldy := (rows+5)*c, 32, 48
					x, w := normal((kh-1)*ldx+tapPixels(rows, edges)*c), normal((kh*3*c-1)*ldw+16)
					for _, bias := range [][]float32{nil, normal(16)} {
						want := make([]float32, (rows-1)*ldy+16)
						for i := range want {
							want[i] = float32(i)
						}
						got := newBanded(want)
						convTapGo(rows, edges, kh, c, x, ldx, w, ldw, want, ldy, bias)
						tapKernel(rows, edges, kh, c, x, ldx, w, ldw, got.s(), ldy, bias)
						what := fmt.Sprintf("rows %d, edges %d, kh %d, c %d, bias %v", rows, edges, kh, c, bias != nil)
						got.check(t, what)
						sameBits(t, what, got.s(), want)
					}
				}
			}
		}
	}
}

// TestConvTapExact: with small integers (every sum exact) ConvRowsDirect's
// three-tap path gives the im2col path's values, NaN-free borders
// included: the taps, channels and padding it reads are the right ones.
func TestConvTapExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	ints := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(9) - 4)
		}
		return v
	}
	for _, g := range []ConvGeom{
		{N: 2, H: 7, W: 32, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 7, OW: 32},
		{N: 2, H: 6, W: 27, C: 3, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 6, OW: 27},
		{N: 1, H: 9, W: 28, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, OH: 7, OW: 26},
	} {
		for _, f := range []int{16, 32} {
			if !ConvTapApplies(g, f) {
				t.Skipf("%+v, %d filters: no three-tap kernel in this build", g, f)
			}
			x, w, bias := ints(g.N*g.H*g.W*g.C), ints(g.Cols()*f), ints(f)
			m, k := g.Rows(), g.Cols()
			want := make([]float32, m*f)
			for r := 0; r < m; r++ {
				copy(want[r*f:], bias)
			}
			cols := make([]float32, m*k)
			Im2colRowsSerial(g, x, 0, m, cols)
			SgemmNaive(false, false, m, f, k, 1, cols, k, w, f, 1, want, f)
			got := make([]float32, m*f)
			ConvRowsDirect(g, x, 0, m, w, f, bias, got, make([]float32, ConvDirectLen(g, m)))
			sameBits(t, fmt.Sprintf("%+v, %d filters", g, f), got, want)
		}
	}
}

// TestConvTapGradKernel: the three-tap kernel-gradient kernel (assembly
// where it runs) gives convTapGradGo's bits for rows of 2 to 9 and 30 to
// 34 positions (every remainder of its steady loop), one to three rows,
// 8 and 24 channels, with and without adding g's old values, with and
// without the padding pixels left out; and writes nothing outside its 24
// vectors' rows.
func TestConvTapGradKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, ow := range []int{2, 3, 4, 5, 6, 7, 8, 9, 30, 31, 32, 33, 34} {
		for _, rows := range []int{1, 3} {
			for _, c := range []int{8, 24} {
				ldx, f := (ow+3)*c, 32
				x, dz := normal((rows-1)*ldx+(ow+2)*c), normal(rows*ow*f)
				for i, add := range []bool{false, true, false, true} {
					pad := i >= 2
					xs := x
					if pad {
						xs = x[:(rows-1)*ldx+ow*c]
					}
					want := normal((2*c+7)*f + 16)
					got := newBanded(want)
					convTapGradGo(rows, ow, xs, ldx, c, dz, f, want, add, pad)
					tapGradKernel(rows, ow, xs, ldx, c, dz, f, got.s(), add, pad)
					what := fmt.Sprintf("ow %d, rows %d, c %d, add %v, pad %v", ow, rows, c, add, pad)
					got.check(t, what)
					sameBits(t, what, got.s(), want)
				}
			}
		}
	}
}
