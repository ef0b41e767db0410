package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkWino16 compares, for resnet-20's 32×32×16 -> 16 convolution (4
// samples), the 16-channel Winograd path with the three-tap kernels it
// replaces and with the naive loop (im2col + SgemmNaive): the forward
// (Wino16Rows with its weight transform, ConvRowsDirect on tiles of 512
// rows) and the kernel gradient (ConvKernelGradDirect on blocks of 512
// rows, Winograd on and off). GFLOP/s count the direct method's
// multiplies.
//
//	go test ./kernels -run '^$' -bench Wino16 -cpu 1
func BenchmarkWino16(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	g := sameGeom16(4, 32, 32)
	m, k := g.Rows(), g.Cols()
	x, w, dz := normal(m*16), normal(k*16), normal(m*16)
	u, y, grad := make([]float32, Wino16WeightsLen), make([]float32, m*16), make([]float32, k*16)
	flops := 2 * float64(m*16*k)
	report := func(b *testing.B) {
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	b.Run("forward/winograd", func(b *testing.B) {
		if !Wino16Applies(g, 16) {
			b.Skip("no vector passes in this build")
		}
		buf := make([]float32, Wino16Len(g))
		for b.Loop() {
			Wino16Weights(w, u)
			Wino16Rows(g, x, 0, m, u, nil, y, buf)
		}
		report(b)
	})
	b.Run("forward/three-tap", func(b *testing.B) {
		buf := make([]float32, ConvDirectLen(g, 512))
		for b.Loop() {
			for r := 0; r < m; r += 512 {
				ConvRowsDirect(g, x, r, r+512, w, 16, nil, y[r*16:], buf)
			}
		}
		report(b)
	})
	b.Run("forward/naive", func(b *testing.B) {
		cols := make([]float32, m*k)
		for b.Loop() {
			Im2colRowsSerial(g, x, 0, m, cols)
			SgemmNaive(false, false, m, 16, k, 1, cols, k, w, 16, 0, y, 16)
		}
		report(b)
	})
	for _, off := range []bool{false, true} {
		name := "kernel-grad/winograd"
		if off {
			name = "kernel-grad/three-tap"
		}
		b.Run(name, func(b *testing.B) {
			defer func(old bool) { wino16GradOff = old }(wino16GradOff)
			wino16GradOff = off
			if !off && !wino16GradApplies(g, 16) {
				b.Skip("no vector passes in this build")
			}
			buf := make([]float32, ConvGradDirectLen(g, 0, 512))
			for b.Loop() {
				for r := 0; r < m; r += 512 {
					ConvKernelGradDirect(g, x, r, r+512, dz, 16, float32(min(r, 1)), grad, buf)
				}
			}
			report(b)
		})
	}
	b.Run("kernel-grad/naive", func(b *testing.B) {
		cols := make([]float32, m*k)
		for b.Loop() {
			Im2colRowsSerial(g, x, 0, m, cols)
			SgemmNaive(true, false, k, 16, m, 1, cols, k, dz, 16, 0, grad, 16)
		}
		report(b)
	})
}
