//go:build !purego

package kernels

//go:generate go run -C _asm . -scalebits -out ../scalebits_amd64.s -stubs ../scalebits_stub_amd64.go -pkg kernels

// scaleByBits is ScaleByBits in AVX-512 (whole words), the last partial
// word in Go; scaleByBitsGo without AVX-512.
var scaleByBits = pickScaleByBits()

func pickScaleByBits() func(dst, src []float32, mask []uint64, keep float32) {
	if !hasAVX512 {
		return scaleByBitsGo
	}
	return scaleByBitsAVX512Words
}

// scaleByBitsAVX512Words runs the whole words of ScaleByBits in AVX-512.
func scaleByBitsAVX512Words(dst, src []float32, mask []uint64, keep float32) {
	w := len(src) / 64
	if w > 0 {
		_ = dst[w*64-1]
		_ = mask[w-1]
		scaleByBitsAVX512(&dst[0], &src[0], &mask[0], w, keep)
	}
	if w*64 < len(src) {
		scaleByBitsGo(dst[w*64:len(src)], src[w*64:], mask[w:], keep)
	}
}
