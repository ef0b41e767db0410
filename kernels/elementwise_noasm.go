//go:build purego || !amd64

package kernels

// ew is the pure-Go implementation: this build has no assembly.
var ew = goElementwise

// supportedElementwise lists the implementations of this build.
func supportedElementwise() []*elementwise { return []*elementwise{goElementwise} }
