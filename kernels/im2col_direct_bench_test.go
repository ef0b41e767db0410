package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConvRowsDirect compares a tile of 512 output positions computed
// by ConvRowsDirect (patches read in place) with Im2colRowsSerial followed
// by SgemmSerial (the same bits), for resnet-20's and basic-cnn's
// convolutions that take the direct path; where the three-tap kernels run,
// also with them off (direct-seg: the segmented SGEMM kernels).
//
//	go test ./kernels -run '^$' -bench ConvRowsDirect -cpu 1
func BenchmarkConvRowsDirect(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, s := range []struct {
		name                 string
		hw, c, k, st, pad, f int
	}{
		{"32x32x16-16", 32, 16, 3, 1, 1, 16},
		{"32x32x3-16", 32, 3, 3, 1, 1, 16},
		{"28x28x1-32-valid", 28, 1, 3, 1, 0, 32},
		{"32x32x16-32-s2", 32, 16, 3, 2, 1, 32},
		{"16x16x32-64-s2", 16, 32, 3, 2, 1, 64},
		{"32x32x16-32-1x1s2", 32, 16, 1, 2, 0, 32},
	} {
		g := ConvGeom{N: 4, H: s.hw, W: s.hw, C: s.c, KH: s.k, KW: s.k, SH: s.st, SW: s.st, PadTop: s.pad, PadLeft: s.pad}
		g.OH = (g.H+2*s.pad-g.KH)/s.st + 1
		g.OW = g.OH
		x, w, bias := normal(g.N*g.H*g.W*g.C), normal(g.Cols()*s.f), normal(s.f)
		m := min(g.Rows(), 512)
		y, cols := make([]float32, m*s.f), make([]float32, m*g.Cols())
		buf := make([]float32, ConvDirectLen(g, m))
		flops := 2 * float64(m*s.f*g.Cols())
		b.Run(s.name+"/im2col+sgemm", func(b *testing.B) {
			for b.Loop() {
				Im2colRowsSerial(g, x, 0, m, cols)
				for r := 0; r < m; r++ {
					copy(y[r*s.f:], bias)
				}
				SgemmSerial(false, false, m, s.f, g.Cols(), 1, cols, g.Cols(), w, s.f, 1, y, s.f)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(s.name+"/direct", func(b *testing.B) {
			for b.Loop() {
				ConvRowsDirect(g, x, 0, m, w, s.f, bias, y, buf)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if convTapApplies(g, s.f) { // the segmented SGEMM kernels the three-tap ones replace
			b.Run(s.name+"/direct-seg", func(b *testing.B) {
				defer func() { tapOff = false }()
				tapOff = true
				for b.Loop() {
					ConvRowsDirect(g, x, 0, m, w, s.f, bias, y, buf)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkConvKernelGradDirect compares the kernel-gradient product of
// 512 patch rows of resnet-20's 16-channel convolutions and of its stem
// (3 channels: panels of 9 rows, gradPanel) computed by
// ConvKernelGradDirect (patches read in place from a padded slab) with
// Im2colRowsSerial followed by SgemmSerial (the same bits).
//
//	go test ./kernels -run '^$' -bench ConvKernelGradDirect -cpu 1
func BenchmarkConvKernelGradDirect(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct {
		name string
		c    int
	}{{"32x32x16-16", 16}, {"stem-32x32x3-16", 3}} {
		g := ConvGeom{N: 2, H: 32, W: 32, C: s.c, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 32, OW: 32}
		const f, a0, a1 = 16, 512, 1024
		x, dz := make([]float32, g.N*g.H*g.W*g.C), make([]float32, g.Rows()*f)
		for _, v := range [][]float32{x, dz} {
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		}
		k := g.Cols()
		grad, cols := make([]float32, k*f), make([]float32, (a1-a0)*k)
		buf := make([]float32, ConvGradDirectLen(g, a0, a1))
		flops := 2 * float64((a1-a0)*k*f)
		b.Run(s.name+"/im2col+sgemm", func(b *testing.B) {
			for b.Loop() {
				Im2colRowsSerial(g, x, a0, a1, cols)
				SgemmSerial(true, false, k, f, a1-a0, 1, cols, k, dz[a0*f:], f, 0, grad, f)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(s.name+"/direct", func(b *testing.B) {
			for b.Loop() {
				ConvKernelGradDirect(g, x, a0, a1, dz, f, 0, grad, buf)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkConvInputGradDirect compares the input gradient of one sample
// of resnet-20's im2col convolutions computed by ConvInputGradDirect
// (this CPU's kernel, and convDxGo, a product per tap through SgemmSerial)
// with clearing dx, SgemmSerial (dz·kernelᵀ) and Col2imRowsSerial in tiles
// of 512 rows (the same bits).
//
//	go test ./kernels -run '^$' -bench ConvInputGradDirect -cpu 1
func BenchmarkConvInputGradDirect(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range []struct {
		name                 string
		hw, c, k, st, pad, f int
	}{
		{"32x32x16-16", 32, 16, 3, 1, 1, 16},
		{"32x32x16-32-s2", 32, 16, 3, 2, 0, 32},
		{"16x16x32-64-s2", 16, 32, 3, 2, 0, 64},
		{"32x32x16-32-1x1s2", 32, 16, 1, 2, 0, 32},
	} {
		g := ConvGeom{N: 1, H: s.hw, W: s.hw, C: s.c, KH: s.k, KW: s.k, SH: s.st, SW: s.st, PadTop: s.pad, PadLeft: s.pad}
		g.OH = (g.H+2*s.pad-g.KH)/s.st + 1
		g.OW = g.OH
		k, m := g.Cols(), g.Rows()
		dz, kT := make([]float32, m*s.f), make([]float32, s.f*k)
		for _, v := range [][]float32{dz, kT} {
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		}
		dx, dcols := make([]float32, g.H*g.W*g.C), make([]float32, 512*k)
		buf := make([]float32, ConvInputGradDirectLen(g))
		flops := 2 * float64(m*s.f*k)
		b.Run(s.name+"/sgemm+col2im", func(b *testing.B) {
			for b.Loop() {
				clear(dx)
				for r0 := 0; r0 < m; r0 += 512 {
					r1 := min(m, r0+512)
					SgemmSerial(false, false, r1-r0, k, s.f, 1, dz[r0*s.f:], s.f, kT, k, 0, dcols, k)
					Col2imRowsSerial(g, dcols, r0, r1, dx)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		for _, kern := range []struct {
			name string
			fn   dxKernel
		}{{"direct", dxKernelFor(g.C)}, {"direct-go", convDxGo}} {
			b.Run(s.name+"/"+kern.name, func(b *testing.B) {
				for b.Loop() {
					convInputGradWith(kern.fn, g, dz, s.f, kT, 0, 1, dx, buf)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
