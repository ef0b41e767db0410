//go:build purego || !amd64

package kernels

// dw is the pure-Go implementation: this build has no assembly.
var dw = goDepthwise

// supportedDepthwise lists the implementations of this build.
func supportedDepthwise() []*depthwiseImpl { return []*depthwiseImpl{goDepthwise} }
