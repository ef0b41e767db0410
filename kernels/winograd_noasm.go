//go:build purego || !amd64

package kernels

// wino is the pure-Go implementation: this build has no assembly.
var wino = goWinograd

// supportedWinograd lists the implementations of this build.
func supportedWinograd() []*winogradImpl { return []*winogradImpl{goWinograd} }
