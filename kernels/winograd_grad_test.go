package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// directKernelGrad64 is the kernel gradient of the 3×3 convolution of x
// giving dy, summed in float64: dw[k][c][f] = Σ dy[n,oh,ow,f]·x[n,ih,iw,c].
func directKernelGrad64(g ConvGeom, f int, x, dy []float32) []float64 {
	dw := make([]float64, 9*g.C*f)
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				d := dy[((n*g.OH+oh)*g.OW+ow)*f:][:f]
				for k := 0; k < 9; k++ {
					ih, iw := oh-g.PadTop+k/3, ow-g.PadLeft+k%3
					if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
						continue
					}
					for c := 0; c < g.C; c++ {
						xv := float64(x[((n*g.H+ih)*g.W+iw)*g.C+c])
						for fi, dv := range d {
							dw[(k*g.C+c)*f+fi] += xv * float64(dv)
						}
					}
				}
			}
		}
	}
	return dw
}

// TestWinogradKernelGrad compares WinogradKernelGrad with the direct sum
// in float64 on odd and even sizes, borders, 1 to 70 channels and small
// chunks (a chunk boundary inside an image), and checks that threads do
// not change a bit.
func TestWinogradKernelGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var worst float64
	for _, g := range winogradGeoms() {
		for _, f := range []int{1, 8, 33} {
			for _, chunk := range []int{1, 3, 1 << 20} {
				x := normals(rng, g.N*g.H*g.W*g.C)
				dy := normals(rng, g.N*g.OH*g.OW*f)
				chunk = min(chunk, WinogradTiles(g))
				run := func() []float32 {
					dw := make([]float32, 9*g.C*f)
					WinogradKernelGrad(g, f, x, dy, dw, make([]float32, WinogradGradScratchLen(g, f, chunk)), chunk)
					return dw
				}
				var dw []float32
				withThreads(1, func() { dw = run() })
				e := relErr(dw, directKernelGrad64(g, f, x, dy))
				if e > winogradTol {
					t.Errorf("%+v/f%d/chunk%d: error %.3g relative to the largest value, want <= %g", g, f, chunk, e, winogradTol)
				}
				worst = max(worst, e)
				withThreads(3, func() {
					for i, v := range run() {
						if math.Float32bits(v) != math.Float32bits(dw[i]) {
							t.Fatalf("%s: dw[%d] = %v with 3 threads, %v with 1", fmt.Sprint(g), i, v, dw[i])
						}
					}
				})
			}
		}
	}
	t.Logf("max error relative to the largest value: %.3g", worst)
}
