//go:build !purego

package kernels

// fmaPeakLoop is the widest FMA peak loop this CPU runs (fmaPeakAVX512:
// 16 chains of 16 lanes; fmaPeakAVX2: 14 chains of 8) and its FLOPs per
// iteration; nil without AVX2+FMA.
func fmaPeakLoop() (fn func(int), flopsPerIter float64, isa string) {
	switch {
	case hasAVX512:
		return fmaPeakAVX512, 16 * 16 * 2, "AVX-512"
	case hasAVX2FMA:
		return fmaPeakAVX2, 14 * 8 * 2, "AVX2"
	}
	return nil, 0, ""
}
