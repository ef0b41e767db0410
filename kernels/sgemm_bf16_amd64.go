//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// hasAVX512BF16 tells whether this CPU runs VDPBF16PS (AVX512_BF16).
var hasAVX512BF16 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BF16

// bf16DotPeakAVX512 runs iters iterations of 16 independent VDPBF16PS
// chains (sgemm_bf16_amd64.s) and returns lane 0 of the first chain,
// 2*iters: each instruction adds two bf16 products of 1 to each fp32
// lane. Its rate against fmaPeakAVX512's is what a bf16 GEMM could gain
// over the fp32 one (BenchmarkBF16DotPeak). Only on CPUs with
// hasAVX512BF16.
func bf16DotPeakAVX512(iters int) float32
