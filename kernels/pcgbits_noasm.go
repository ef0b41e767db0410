//go:build purego || !amd64

package kernels

// pcgBits8: no assembly in this build; PCGKeepBits runs pcgKeepBitsGo.
var pcgBits8 func(mask []uint64, words int, seed uint64, streams []uint64, thr uint32)
