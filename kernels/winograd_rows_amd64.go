//go:build !purego

package kernels

// WinogradRowsOwnBits reports whether every output tile of WinogradConv
// (c input and f output channels) has bits of its own, NaN payloads
// included, whatever tiles share its chunk: where the 16 products run in
// the AVX-512 kernels (winogradGemmAVX512: each row summed alone, from
// zero, by the same instructions in every panel). nn's MaxPooling2D then
// runs such a convolution on fewer tiles (nn/pool_conv.go). The Go
// products keep every value's bits but not always a NaN's payload when
// the tiles are grouped otherwise.
func WinogradRowsOwnBits(c, f int) bool {
	if wino.name != "avx512" || bestKernel != avx512Kernel || f%32 != 0 || c < 1 {
		return false
	}
	nkb, _ := kBlocks(bestKernel, c)
	return nkb == 1
}
