//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run -C _asm ./bf16 -out ../sgemm_bf16_amd64.s

// hasAVX512BF16 tells whether this CPU runs VDPBF16PS (AVX512_BF16).
var hasAVX512BF16 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512BF16

// bf16Native: SgemmBF16 runs the assembly below.
var bf16Native = hasAVX512BF16

// bf16Kernels returns SgemmBF16's micro-kernel for nr (16 or 32) columns.
func bf16Kernels(nr int) bf16KernelFunc {
	if !bf16Native {
		return bf16KernelGo(nr)
	}
	if nr == 16 {
		return bf16Kernel16
	}
	return bf16Kernel32
}

// bf16Kernel32 and bf16Kernel16 check that the operands hold the tile
// and run the assembly.
func bf16Kernel32(kq int, a []uint32, rsA, csA int, b []uint32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[11*rsA+(kq-1)*csA]
	_ = b[(kq-1)*ldb+31]
	_ = c[11*ldc+31]
	bf16Kernel12x32AVX512(kq, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}

func bf16Kernel16(kq int, a []uint32, rsA, csA int, b []uint32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[11*rsA+(kq-1)*csA]
	_ = b[(kq-1)*ldb+15]
	_ = c[11*ldc+15]
	bf16Kernel12x16AVX512(kq, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}

// bf16RowAsm and bf16PairsAsm run the conversions (lengths multiples of
// 32 and 16 values).
func bf16RowAsm(d []uint32, src []float32) {
	_ = d[len(src)/2-1]
	bf16RowAVX512(&d[0], &src[0], len(src))
}

func bf16PairsAsm(d []uint32, r0, r1 []float32) {
	_, _ = d[len(r0)-1], r1[len(r0)-1]
	bf16PairsAVX512(&d[0], &r0[0], &r1[0], len(r0))
}

// The assembly of sgemm_bf16_amd64.s (written by kernels/_asm/bf16).

// bf16DotPeakAVX512 runs iters iterations of 16 independent VDPBF16PS
// chains and returns lane 0 of the first chain, 2*iters: each
// instruction adds two bf16 products of 1 to each fp32 lane. Its rate
// against fmaPeakAVX512's is what a bf16 GEMM could gain over the fp32
// one (BenchmarkBF16DotPeak).
func bf16DotPeakAVX512(iters int) float32

// bf16RowAVX512: dst[q] = pair (src[2q], src[2q+1]), n a multiple of 32.
//
//go:noescape
func bf16RowAVX512(dst *uint32, src *float32, n int)

// bf16PairsAVX512: dst[j] = pair (r0[j], r1[j]), n a multiple of 16.
//
//go:noescape
func bf16PairsAVX512(dst *uint32, r0, r1 *float32, n int)

// bf16Kernel12x32AVX512 and bf16Kernel12x16AVX512: see bf16KernelGo.
//
//go:noescape
func bf16Kernel12x32AVX512(kq int, a *uint32, rsA, csA int, b *uint32, ldb int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func bf16Kernel12x16AVX512(kq int, a *uint32, rsA, csA int, b *uint32, ldb int, c *float32, ldc int, alpha, beta float32)
