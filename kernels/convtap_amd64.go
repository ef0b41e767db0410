//go:build !purego

package kernels

//go:generate go run -C _asm . -convtap -out ../convtap_amd64.s -stubs ../convtap_stub_amd64.go -pkg kernels

// tapKernel is the three-tap kernel in AVX-512 (convTap<r>x16AVX512).
var tapKernel tapKernelFunc = convTapAVX512

// tapKernelOn reports whether the three-tap kernel runs: where SGEMM runs
// its AVX-512 kernels.
func tapKernelOn() bool { return bestKernel == avx512Kernel }

// convTapAVX512 checks the operands' lengths and calls the kernel for
// rows positions.
func convTapAVX512(rows, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32) {
	if rows < 1 || rows > tapMaxRows || kh < 1 || c < 1 {
		panic("kernels: convTapAVX512 on an empty or too long call")
	}
	_ = x[(kh-1)*ldx+(rows+2)*c-1]
	_ = w[(kh*3*c-1)*ldw+15]
	_ = y[(rows-1)*ldy+15]
	var bp *float32
	if bias != nil {
		bp = &bias[:16][0]
	}
	convTapRowsAVX512[rows](kh, c, &x[0], ldx, &w[0], ldw, &y[0], ldy, bp)
}

// convTapRowsAVX512[r] computes r positions.
var convTapRowsAVX512 = [tapMaxRows + 1]func(kh, c int, x *float32, ldx int, w *float32, ldw int, y *float32, ldy int, bias *float32){
	1: convTap1x16AVX512, 2: convTap2x16AVX512, 3: convTap3x16AVX512, 4: convTap4x16AVX512,
	5: convTap5x16AVX512, 6: convTap6x16AVX512, 7: convTap7x16AVX512, 8: convTap8x16AVX512,
	9: convTap9x16AVX512, 10: convTap10x16AVX512, 11: convTap11x16AVX512, 12: convTap12x16AVX512,
	13: convTap13x16AVX512, 14: convTap14x16AVX512, 15: convTap15x16AVX512, 16: convTap16x16AVX512,
	17: convTap17x16AVX512, 18: convTap18x16AVX512, 19: convTap19x16AVX512, 20: convTap20x16AVX512,
	21: convTap21x16AVX512, 22: convTap22x16AVX512, 23: convTap23x16AVX512, 24: convTap24x16AVX512,
}

// tapGradKernel is the three-tap kernel-gradient kernel in AVX-512
// (convTapGrad8x16AVX512).
var tapGradKernel tapGradKernelFunc = convTapGradAVX512

// convTapGradAVX512 checks the operands' lengths and calls the kernel.
func convTapGradAVX512(rows, ow int, x []float32, ldx, c int, dz []float32, f int, g []float32, add bool) {
	if rows < 1 || ow < 2 || c < 8 {
		panic("kernels: convTapGradAVX512 on an empty call")
	}
	_ = x[(rows-1)*ldx+(ow+1)*c+7]
	_ = dz[(rows*ow-1)*f+15]
	_ = g[(2*c+7)*f+15]
	var a int
	if add {
		a = 1
	}
	convTapGrad8x16AVX512(rows, (ow-2)/3, (ow-2)%3, &x[0], ldx, c, &dz[0], f, &g[0], a)
}
