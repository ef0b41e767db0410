//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run -C _asm . -out ../sgemm_amd64.s -stubs ../sgemm_stub_amd64.go -pkg kernels

// avx512Kernel is the AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm
// accumulators (two per row), B rows loaded as two vectors, A broadcast;
// with variants of 1 to 11 rows for the bottom edge of C.
var avx512Kernel = &sgemmKernel{name: "avx512-12x32", mr: 12, nr: 32, kc: 512, mc: 168}

// avx512Kernel16 is the AVX-512 micro-kernel for products of at most 16
// columns: a 12×16 tile in 12 zmm accumulators, with variants of 1 to 11
// rows. Each element of C gets the same sum, in the same order, as from
// avx512Kernel (the k-blocks depend on kc only), so the choice never
// shows in a result.
var avx512Kernel16 = &sgemmKernel{name: "avx512-12x16", mr: 12, nr: 16, kc: 512, mc: 168}

// avx2Kernel is the AVX2+FMA micro-kernel: a 6×16 tile of C in 12 ymm
// accumulators, with variants of 1 to 5 rows.
var avx2Kernel = &sgemmKernel{name: "avx2-6x16", mr: 6, nr: 16, kc: 512, mc: 120}

// asmKernel is the signature of the generated micro-kernels (see
// kernels/_asm): microKernelFunc with raw pointers.
type asmKernel func(kc int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

func init() {
	setRows(avx512Kernel, []asmKernel{
		sgemmKernel1x32AVX512, sgemmKernel2x32AVX512, sgemmKernel3x32AVX512, sgemmKernel4x32AVX512,
		sgemmKernel5x32AVX512, sgemmKernel6x32AVX512, sgemmKernel7x32AVX512, sgemmKernel8x32AVX512,
		sgemmKernel9x32AVX512, sgemmKernel10x32AVX512, sgemmKernel11x32AVX512, sgemmKernel12x32AVX512,
	})
	setRows(avx512Kernel16, []asmKernel{
		sgemmKernel1x16AVX512, sgemmKernel2x16AVX512, sgemmKernel3x16AVX512, sgemmKernel4x16AVX512,
		sgemmKernel5x16AVX512, sgemmKernel6x16AVX512, sgemmKernel7x16AVX512, sgemmKernel8x16AVX512,
		sgemmKernel9x16AVX512, sgemmKernel10x16AVX512, sgemmKernel11x16AVX512, sgemmKernel12x16AVX512,
	})
	avx512Kernel.half = avx512Kernel16
	setSegRows(avx512Kernel, []asmSegKernel{
		sgemmKernel1x32SegAVX512, sgemmKernel2x32SegAVX512, sgemmKernel3x32SegAVX512, sgemmKernel4x32SegAVX512,
		sgemmKernel5x32SegAVX512, sgemmKernel6x32SegAVX512, sgemmKernel7x32SegAVX512, sgemmKernel8x32SegAVX512,
		sgemmKernel9x32SegAVX512, sgemmKernel10x32SegAVX512, sgemmKernel11x32SegAVX512, sgemmKernel12x32SegAVX512,
	})
	setSegRows(avx512Kernel16, []asmSegKernel{
		sgemmKernel1x16SegAVX512, sgemmKernel2x16SegAVX512, sgemmKernel3x16SegAVX512, sgemmKernel4x16SegAVX512,
		sgemmKernel5x16SegAVX512, sgemmKernel6x16SegAVX512, sgemmKernel7x16SegAVX512, sgemmKernel8x16SegAVX512,
		sgemmKernel9x16SegAVX512, sgemmKernel10x16SegAVX512, sgemmKernel11x16SegAVX512, sgemmKernel12x16SegAVX512,
	})
	setRows(avx2Kernel, []asmKernel{
		sgemmKernel1x16AVX2, sgemmKernel2x16AVX2, sgemmKernel3x16AVX2,
		sgemmKernel4x16AVX2, sgemmKernel5x16AVX2, sgemmKernel6x16AVX2,
	})
}

// setRows installs fns[r-1], the kernel for r rows, as k.fn (r = mr) and
// k.edge[r], each behind a check that the operands hold the whole tile.
func setRows(k *sgemmKernel, fns []asmKernel) {
	k.edge = make([]microKernelFunc, k.mr)
	for r := 1; r <= k.mr; r++ {
		f, nr := fns[r-1], k.nr
		w := func(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
			_ = a[(r-1)*rsA+(kc-1)*csA]
			_ = b[(kc-1)*ldb+nr-1]
			_ = c[(r-1)*ldc+nr-1]
			f(kc, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
		}
		if r == k.mr {
			k.fn = w
		} else {
			k.edge[r] = w
		}
	}
}

// asmSegKernel is the signature of the generated segmented kernels:
// segKernelFunc with raw pointers.
type asmSegKernel func(kc int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, segLen, segJump int, cin *float32, ldcin int)

// setSegRows installs fns[r-1] as k.seg[r-1], each behind a check that
// the operands hold the whole tile (A's last element included).
func setSegRows(k *sgemmKernel, fns []asmSegKernel) {
	k.seg = make([]segKernelFunc, k.mr)
	for r := 1; r <= k.mr; r++ {
		f, nr := fns[r-1], k.nr
		k.seg[r-1] = func(kc int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, segLen, segJump int, cin []float32, ldcin int) {
			if segLen <= 0 || kc%segLen != 0 {
				panic("kernels: kc is not a multiple of segLen")
			}
			_ = a[(r-1)*rsA+(kc-1)*csA+(kc/segLen-1)*segJump]
			_ = b[(kc-1)*ldb+nr-1]
			_ = c[(r-1)*ldc+nr-1]
			_ = cin[(r-1)*ldcin+nr-1]
			f(kc, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta, segLen, segJump, &cin[0], ldcin)
		}
	}
}

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

// kernelFor returns the micro-kernel for a product with n columns: the
// 16-wide AVX-512 one for n <= 16, bestKernel otherwise.
func kernelFor(n int) *sgemmKernel {
	if n <= 16 && bestKernel == avx512Kernel {
		return avx512Kernel16
	}
	return bestKernel
}

// supportedKernels lists every micro-kernel this CPU can run, the fastest
// first; tests check each of them against the reference.
func supportedKernels() []*sgemmKernel {
	var ks []*sgemmKernel
	if hasAVX512 {
		ks = append(ks, avx512Kernel, avx512Kernel16)
	}
	if hasAVX2FMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}
