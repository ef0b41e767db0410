//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run -C _asm . -out ../sgemm_amd64.s -stubs ../sgemm_stub_amd64.go -pkg kernels

// avx512Kernel is the AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm
// accumulators (two per row), B rows loaded as two vectors, A broadcast.
var avx512Kernel = &sgemmKernel{name: "avx512-12x32", fn: kernelAVX512, mr: 12, nr: 32, kc: 256, mc: 480}

// avx2Kernel is the AVX2+FMA micro-kernel: a 6×16 tile of C in 12 ymm
// accumulators.
var avx2Kernel = &sgemmKernel{name: "avx2-6x16", fn: kernelAVX2, mr: 6, nr: 16, kc: 256, mc: 240}

// hasAVX512 and hasAVX2FMA tell which assembly kernels this CPU runs.
var (
	hasAVX512  = cpu.X86.HasAVX512F
	hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// bestKernel is the fastest micro-kernel this CPU supports.
var bestKernel = pickKernel()

func pickKernel() *sgemmKernel {
	switch {
	case hasAVX512:
		return avx512Kernel
	case hasAVX2FMA:
		return avx2Kernel
	}
	return goKernel
}

// supportedKernels lists every micro-kernel this CPU can run, the fastest
// first; tests check each of them against the reference.
func supportedKernels() []*sgemmKernel {
	var ks []*sgemmKernel
	if hasAVX512 {
		ks = append(ks, avx512Kernel)
	}
	if hasAVX2FMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}

// kernelAVX512 checks the extent of the operands and runs the assembly.
func kernelAVX512(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[11*rsA+(kc-1)*csA]
	_ = b[(kc-1)*ldb+31]
	_ = c[11*ldc+31]
	sgemmKernel12x32AVX512(kc, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}

// kernelAVX2 checks the extent of the operands and runs the assembly.
func kernelAVX2(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[5*rsA+(kc-1)*csA]
	_ = b[(kc-1)*ldb+15]
	_ = c[5*ldc+15]
	sgemmKernel6x16AVX2(kc, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}
