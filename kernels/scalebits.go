package kernels

// ScaleByBits applies a Dropout's mask (nn's Dropout keeps it as one bit
// per value): dst[i] = src[i] * keep where bit i%64 of mask[i/64] is set
// and src[i] * 0 (+0) where it is clear, the product as Go computes it (a
// clear bit gives -0 for a negative value and NaN for a NaN or an
// infinity). AVX-512 assembly (scalebits_amd64.s) with the pure-Go twin
// scaleByBitsGo, which the purego build and other CPUs run; both give the
// same bits. dst may be src. It runs on the calling goroutine (callers
// split the work into whole words). It panics unless len(dst) ==
// len(src) and mask holds (len(src)+63)/64 words.
func ScaleByBits(dst, src []float32, mask []uint64, keep float32) {
	sameLen("ScaleByBits", "dst", len(dst), "src", len(src))
	if len(mask) < (len(src)+63)/64 {
		panic("kernels.ScaleByBits: mask too short")
	}
	scaleByBits(dst, src, mask, keep)
}

// scaleByBitsGo is ScaleByBits.
func scaleByBitsGo(dst, src []float32, mask []uint64, keep float32) {
	scale := [2]float32{0, keep}
	dst = dst[:len(src)]
	for w := 0; w*64 < len(src); w++ {
		bits := mask[w]
		e1 := min(w*64+64, len(src))
		ds := dst[w*64 : e1]
		for i, v := range src[w*64 : e1] {
			ds[i] = v * scale[bits>>i&1]
		}
	}
}
