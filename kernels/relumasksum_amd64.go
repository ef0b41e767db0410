//go:build !purego

package kernels

//go:generate go run -C _asm . -relumasksum -out ../relumasksum_amd64.s -stubs ../relumasksum_stub_amd64.go -pkg kernels

// relumaskSumFused: the fused kernel pays where there is AVX-512 (one
// pass instead of two); elsewhere ApplyReluMaskSumRows64 runs the two.
var relumaskSumFused = hasAVX512

// relumaskSum runs a share of ApplyReluMaskSumRows64 (len(acc) a multiple
// of 16) in applyReluMaskSum<v>x16AVX512, up to 64 columns per pass.
func relumaskSum(acc []float64, dy []float32, mask []uint64, g0, rows, ld int) {
	_ = dy[(rows-1)*ld+len(acc)-1]
	_ = mask[((rows-1)*ld+16*g0+len(acc)-1)/64]
	for c := 0; c < len(acc); c += 64 {
		v := min(4, (len(acc)-c)/16)
		maskSumKernels[v](&dy[c], &mask[0], g0+c/16, &acc[c], rows, ld)
	}
}

var maskSumKernels = [5]func(dy *float32, mask *uint64, group int, acc *float64, rows, ld int){
	1: applyReluMaskSum1x16AVX512, 2: applyReluMaskSum2x16AVX512, 3: applyReluMaskSum3x16AVX512, 4: applyReluMaskSum4x16AVX512,
}
