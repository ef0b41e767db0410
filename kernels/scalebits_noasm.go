//go:build purego || !amd64

package kernels

// scaleByBits is the pure-Go ScaleByBits: this build has no assembly.
var scaleByBits = scaleByBitsGo
