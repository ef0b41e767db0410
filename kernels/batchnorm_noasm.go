//go:build purego || !amd64

package kernels

// bn is the pure-Go implementation: this build has no assembly.
var bn = goNorm

// supportedNorm lists the implementations of this build.
func supportedNorm() []*normImpl { return []*normImpl{goNorm} }
