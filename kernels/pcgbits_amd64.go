//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run -C _asm . -pcgbits -out ../pcgbits_amd64.s -stubs ../pcgbits_stub_amd64.go -pkg kernels

// pcgBits8 runs eight streams of PCGKeepBits in AVX-512 (VPMULLQ needs
// DQ); nil without.
var pcgBits8 = pickPCGBits8()

func pickPCGBits8() func(mask []uint64, words int, seed uint64, streams []uint64, thr uint32) {
	if !cpu.X86.HasAVX512F || !cpu.X86.HasAVX512DQ {
		return nil
	}
	return pcgKeepBits8
}

// pcgKeepBits8 is eight streams of PCGKeepBits in pcgKeepBits8AVX512.
func pcgKeepBits8(mask []uint64, words int, seed uint64, streams []uint64, thr uint32) {
	if words == 0 {
		return
	}
	_ = mask[8*words-1]
	var st [16]uint64 // hi words, then lo words
	for l := range 8 {
		st[l], st[8+l] = seed, streams[l]
	}
	pcgKeepBits8AVX512(&st[0], words, uint64(thr), &mask[0], words)
}
