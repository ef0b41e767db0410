//go:build !purego

package kernels

import (
	"math"
	"math/bits"
	"unsafe"
)

//go:generate go run -C _asm . -winograd -out ../winograd_amd64.s -stubs ../winograd_stub_amd64.go -pkg kernels

// avx512Winograd runs the transforms in AVX-512 (masked channel tails).
var avx512Winograd = &winogradImpl{
	name: "avx512",
	inputRow: func(x []float32, off *[4]int, rows, first, last uint, zero []float32, step, tiles, c int, o []float32, stride int) {
		if tiles == 0 || c == 0 {
			return
		}
		if tiles == 1 {
			first &= last
			last = first
		}
		checkInputRow(len(x), off, rows, first, last, len(zero), step, tiles, c)
		_ = o[15*stride+tiles*c-1]
		winogradInputAVX512(unsafe.SliceData(x), &off[0], int(rows), int(first), int(last), &zero[0], step, tiles, c, &o[0], stride)
	},
	output: func(m []float32, stride, tiles, f int, bias []float32, dst *[4][]float32, step int, relu bool) {
		if tiles == 0 || f == 0 {
			return
		}
		_ = m[15*stride+tiles*f-1]
		_ = bias[f-1]
		var p [4]*float32
		for k := range dst {
			_ = dst[k][(tiles-1)*step+f-1]
			p[k] = &dst[k][0]
		}
		winogradOutputAVX512(&m[0], stride, tiles, f, &bias[0], &p[0], step, relu)
	},
	gradOut: func(dy *[4][]float32, step, tiles, f int, o []float32, stride int) {
		if tiles == 0 || f == 0 {
			return
		}
		var p [4]*float32
		for k := range dy {
			_ = dy[k][(tiles-1)*step+f-1]
			p[k] = &dy[k][0]
		}
		_ = o[15*stride+tiles*f-1]
		winogradGradOutAVX512(&p[0], step, tiles, f, &o[0], stride)
	},
	gemm:  winogradGemmAVX512,
	gemmT: winogradGemmTAVX512,
	input4: func(d *[36][]float32, step, tiles, c int, o []float32, stride int) {
		if tiles == 0 || c == 0 {
			return
		}
		var p [36]*float32
		for i := range d {
			_ = d[i][(tiles-1)*step+c-1]
			p[i] = &d[i][0]
		}
		_ = o[35*stride+tiles*c-1]
		var tmp [36*16 + 16]float32
		winogradInput4AVX512(&p[0], step, tiles, c, &o[0], stride, &tmp[0])
	},
	output4: func(m []float32, stride, tiles, f int, bias []float32, dst *[16][]float32, step int, relu bool) {
		if tiles == 0 || f == 0 {
			return
		}
		_ = m[35*stride+tiles*f-1]
		_ = bias[f-1]
		var p [16]*float32
		for k := range dst {
			_ = dst[k][(tiles-1)*step+f-1]
			p[k] = &dst[k][0]
		}
		var tmp [24*16 + 16]float32
		winogradOutput4AVX512(&m[0], stride, tiles, f, &bias[0], &p[0], step, relu, &tmp[0])
	},
	kernelRow: func(w []float32, cf, n int, u []float32) {
		if n == 0 {
			return
		}
		_ = w[8*cf+n-1]
		_ = u[15*cf+n-1]
		winogradKernelRowAVX512(&w[0], cf, n, &u[0])
	},
	kernelGradRow: func(du []float32, cf, n int, dw []float32) {
		if n == 0 {
			return
		}
		_ = du[15*cf+n-1]
		_ = dw[8*cf+n-1]
		winogradKernelGradRowAVX512(&du[0], cf, n, &dw[0])
	},
	transpose: func(src []float32, c, f int, dst []float32) {
		if c%16 != 0 || f%16 != 0 || c == 0 || f == 0 {
			transposeBlocked(src, c, f, dst)
			return
		}
		_ = src[c*f-1]
		_ = dst[c*f-1]
		transpose16AVX512(&src[0], c, f, &dst[0])
	},
}

// wino is the fastest implementation this CPU supports.
var wino = supportedWinograd()[0]

// supportedWinograd lists the implementations this CPU can run, the
// fastest first; tests check each of them against the pure-Go one.
func supportedWinograd() []*winogradImpl {
	if hasAVX512BMI2 {
		return []*winogradImpl{avx512Winograd, goWinograd}
	}
	return []*winogradImpl{goWinograd}
}

// winogradGemmAVX512 is winogradImpl.gemm in AVX-512
// (winogradGemm<r>x32AVX512): 12-row panels of each 32-column strip in one
// call, then the rows left in one more. Where the SGEMM driver would not
// compute the product as one pass of its 12×32 micro-kernels from zero
// (columns not a multiple of 32, or a reduction of several k-blocks) it
// runs winogradGemmGo, so the bits are always bestKernel's.
func winogradGemmAVX512(a []float32, rows, k int, b []float32, n int, c []float32, s *gemmScratch) {
	if bestKernel != avx512Kernel || n%32 != 0 || k < 1 || rows < 1 {
		winogradGemmGo(a, rows, k, b, n, c, s)
		return
	}
	if nkb, _ := kBlocks(bestKernel, k); nkb != 1 {
		winogradGemmGo(a, rows, k, b, n, c, s)
		return
	}
	_ = a[rows*k-1]
	_ = b[k*n-1]
	_ = c[rows*n-1]
	full, rest := rows/12, rows%12
	for j := 0; j < n; j += 32 {
		if full > 0 {
			winogradGemm12x32AVX512(&a[0], k, &b[j], n, &c[j], full)
		}
		if rest > 0 {
			r0 := full * 12
			winogradGemmEdge[rest](&a[r0*k], k, &b[j], n, &c[r0*n+j], 1)
		}
	}
}

// winogradGemmTAVX512 is winogradImpl.gemmT in AVX-512
// (winogradGemmT<r>x32AVX512): 12-row panels of each 32-column strip in
// one call, then the rows left in one more, each row's values broadcast
// from a's rows in place. Where the SGEMM driver would not compute the
// product as one pass of its 12×32 micro-kernels (columns not a multiple
// of 32, or a reduction of several k-blocks) it runs winogradGemmTGo, so
// the bits are always bestKernel's.
func winogradGemmTAVX512(a []float32, m, k int, b []float32, n int, c []float32, add bool, s *gemmScratch) {
	if bestKernel != avx512Kernel || n%32 != 0 || k < 1 || m < 1 {
		winogradGemmTGo(a, m, k, b, n, c, add, s)
		return
	}
	if nkb, _ := kBlocks(bestKernel, k); nkb != 1 {
		winogradGemmTGo(a, m, k, b, n, c, add, s)
		return
	}
	_ = a[k*m-1]
	_ = b[k*n-1]
	_ = c[m*n-1]
	full, rest := m/12, m%12
	for j := 0; j < n; j += 32 {
		if full > 0 {
			winogradGemmT12x32AVX512(&a[0], m, k, &b[j], n, &c[j], full, add)
		}
		if rest > 0 {
			r0 := full * 12
			winogradGemmTEdge[rest](&a[r0], m, k, &b[j], n, &c[r0*n+j], 1, add)
		}
	}
}

// winogradGemmTEdge[r] computes r-row panels of gemmT (the rows after the
// 12-row ones).
var winogradGemmTEdge = [12]func(a *float32, m, k int, b *float32, n int, c *float32, panels int, add bool){
	1: winogradGemmT1x32AVX512, 2: winogradGemmT2x32AVX512, 3: winogradGemmT3x32AVX512,
	4: winogradGemmT4x32AVX512, 5: winogradGemmT5x32AVX512, 6: winogradGemmT6x32AVX512,
	7: winogradGemmT7x32AVX512, 8: winogradGemmT8x32AVX512, 9: winogradGemmT9x32AVX512,
	10: winogradGemmT10x32AVX512, 11: winogradGemmT11x32AVX512,
}

// winogradGemmEdge[r] computes r-row panels (the rows after the 12-row ones).
var winogradGemmEdge = [12]func(a *float32, k int, b *float32, n int, c *float32, panels int){
	1: winogradGemm1x32AVX512, 2: winogradGemm2x32AVX512, 3: winogradGemm3x32AVX512,
	4: winogradGemm4x32AVX512, 5: winogradGemm5x32AVX512, 6: winogradGemm6x32AVX512,
	7: winogradGemm7x32AVX512, 8: winogradGemm8x32AVX512, 9: winogradGemm9x32AVX512,
	10: winogradGemm10x32AVX512, 11: winogradGemm11x32AVX512,
}

// checkInputRow panics unless every value inputRow reads lies in x (n
// values) or zero (nz): for each row inside, from the lowest column read
// (of the first tile, or the second's first) to the highest (of the last
// tile, or the one before it's last). A single tile's masks are already
// first&last.
func checkInputRow(n int, off *[4]int, rows, first, last uint, nz, step, tiles, c int) {
	if nz < (tiles-1)*step+c {
		panic("kernels: Winograd input run: zeros too short")
	}
	lo, hi := math.MaxInt, math.MinInt
	if first != 0 {
		lo, hi = bits.TrailingZeros(first)*c, bits.Len(first)*c
	}
	if t := (tiles - 1) * step; tiles > 1 && last != 0 {
		lo, hi = min(lo, t+bits.TrailingZeros(last)*c), max(hi, t+bits.Len(last)*c)
	}
	if tiles > 2 {
		lo, hi = min(lo, step), max(hi, (tiles-2)*step+4*c)
	}
	for r, o := range off {
		if rows>>r&1 != 0 && lo <= hi && (o+lo < 0 || o+hi > n) {
			panic("kernels: Winograd input run reads outside x")
		}
	}
}
