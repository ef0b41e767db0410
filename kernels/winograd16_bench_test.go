package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkWino16 compares, for resnet-20's 32×32×16 -> 16 convolution (4
// samples), the 16-channel Winograd path with the three-tap kernels it
// replaces and with the naive loop (im2col + SgemmNaive): Wino16Rows with
// its weight transform, ConvRowsDirect on tiles of 512 rows. GFLOP/s count
// the direct method's multiplies.
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
	x, w := normal(m*16), normal(k*16)
	u, y := make([]float32, Wino16WeightsLen), make([]float32, m*16)
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
}
