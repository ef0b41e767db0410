//go:build !purego

package kernels

//go:generate go run -C _asm . -convtap -out ../convtap_amd64.s -stubs ../convtap_stub_amd64.go -pkg kernels

// tapKernel is the three-tap kernel in AVX-512 (convTap<r>x16AVX512).
var tapKernel tapKernelFunc = convTapAVX512

// tapKernelOn reports whether the three-tap kernel runs: where SGEMM runs
// its AVX-512 kernels.
func tapKernelOn() bool { return bestKernel == avx512Kernel }

// convTapAVX512 checks the operands' lengths and calls the kernel for
// rows positions and edges.
func convTapAVX512(rows, edges, kh, c int, x []float32, ldx int, w []float32, ldw int, y []float32, ldy int, bias []float32) {
	if rows < 1 || rows > tapMaxRows || kh < 1 || c < 1 || edges < 0 || edges > tapBoth {
		panic("kernels: convTapAVX512 on an empty or too long call")
	}
	_ = x[(kh-1)*ldx+tapPixels(rows, edges)*c-1]
	_ = w[(kh*3*c-1)*ldw+15]
	_ = y[(rows-1)*ldy+15]
	var bp *float32
	if bias != nil {
		bp = &bias[:16][0]
	}
	convTapRowsAVX512[edges][rows](kh, c, &x[0], ldx, &w[0], ldw, &y[0], ldy, bp)
}

type convTapAsm func(kh, c int, x *float32, ldx int, w *float32, ldw int, y *float32, ldy int, bias *float32)

// convTapRowsAVX512[e][r] computes r positions with edges e.
var convTapRowsAVX512 = [4][tapMaxRows + 1]convTapAsm{{
	1: convTap1x16AVX512, 2: convTap2x16AVX512, 3: convTap3x16AVX512, 4: convTap4x16AVX512,
	5: convTap5x16AVX512, 6: convTap6x16AVX512, 7: convTap7x16AVX512, 8: convTap8x16AVX512,
	9: convTap9x16AVX512, 10: convTap10x16AVX512, 11: convTap11x16AVX512, 12: convTap12x16AVX512,
	13: convTap13x16AVX512, 14: convTap14x16AVX512, 15: convTap15x16AVX512, 16: convTap16x16AVX512,
	17: convTap17x16AVX512, 18: convTap18x16AVX512, 19: convTap19x16AVX512, 20: convTap20x16AVX512,
	21: convTap21x16AVX512, 22: convTap22x16AVX512, 23: convTap23x16AVX512, 24: convTap24x16AVX512,
}, {
	1: convTap1x16LAVX512, 2: convTap2x16LAVX512, 3: convTap3x16LAVX512, 4: convTap4x16LAVX512,
	5: convTap5x16LAVX512, 6: convTap6x16LAVX512, 7: convTap7x16LAVX512, 8: convTap8x16LAVX512,
	9: convTap9x16LAVX512, 10: convTap10x16LAVX512, 11: convTap11x16LAVX512, 12: convTap12x16LAVX512,
	13: convTap13x16LAVX512, 14: convTap14x16LAVX512, 15: convTap15x16LAVX512, 16: convTap16x16LAVX512,
	17: convTap17x16LAVX512, 18: convTap18x16LAVX512, 19: convTap19x16LAVX512, 20: convTap20x16LAVX512,
	21: convTap21x16LAVX512, 22: convTap22x16LAVX512, 23: convTap23x16LAVX512, 24: convTap24x16LAVX512,
}, {
	1: convTap1x16RAVX512, 2: convTap2x16RAVX512, 3: convTap3x16RAVX512, 4: convTap4x16RAVX512,
	5: convTap5x16RAVX512, 6: convTap6x16RAVX512, 7: convTap7x16RAVX512, 8: convTap8x16RAVX512,
	9: convTap9x16RAVX512, 10: convTap10x16RAVX512, 11: convTap11x16RAVX512, 12: convTap12x16RAVX512,
	13: convTap13x16RAVX512, 14: convTap14x16RAVX512, 15: convTap15x16RAVX512, 16: convTap16x16RAVX512,
	17: convTap17x16RAVX512, 18: convTap18x16RAVX512, 19: convTap19x16RAVX512, 20: convTap20x16RAVX512,
	21: convTap21x16RAVX512, 22: convTap22x16RAVX512, 23: convTap23x16RAVX512, 24: convTap24x16RAVX512,
}, {
	1: convTap1x16LRAVX512, 2: convTap2x16LRAVX512, 3: convTap3x16LRAVX512, 4: convTap4x16LRAVX512,
	5: convTap5x16LRAVX512, 6: convTap6x16LRAVX512, 7: convTap7x16LRAVX512, 8: convTap8x16LRAVX512,
	9: convTap9x16LRAVX512, 10: convTap10x16LRAVX512, 11: convTap11x16LRAVX512, 12: convTap12x16LRAVX512,
	13: convTap13x16LRAVX512, 14: convTap14x16LRAVX512, 15: convTap15x16LRAVX512, 16: convTap16x16LRAVX512,
	17: convTap17x16LRAVX512, 18: convTap18x16LRAVX512, 19: convTap19x16LRAVX512, 20: convTap20x16LRAVX512,
	21: convTap21x16LRAVX512, 22: convTap22x16LRAVX512, 23: convTap23x16LRAVX512, 24: convTap24x16LRAVX512,
}}

// tapGradKernel is the three-tap kernel-gradient kernel in AVX-512
// (convTapGrad8x16AVX512).
var tapGradKernel tapGradKernelFunc = convTapGradAVX512

// convTapGradAVX512 checks the operands' lengths and calls the kernel.
func convTapGradAVX512(rows, ow int, x []float32, ldx, c int, dz []float32, f int, g []float32, add, pad bool) {
	if rows < 1 || ow < 2 || c < 8 {
		panic("kernels: convTapGradAVX512 on an empty call")
	}
	pixels := ow + 2
	if pad {
		pixels = ow
	}
	_ = x[(rows-1)*ldx+(pixels-1)*c+7]
	_ = dz[(rows*ow-1)*f+15]
	_ = g[(2*c+7)*f+15]
	var a int
	if add {
		a = 1
	}
	if pad {
		convTapGrad8x16PadAVX512(rows, (ow-2)/3, (ow-2)%3, &x[0], ldx, c, &dz[0], f, &g[0], a)
		return
	}
	convTapGrad8x16AVX512(rows, (ow-2)/3, (ow-2)%3, &x[0], ldx, c, &dz[0], f, &g[0], a)
}
