//go:build purego || !amd64

package kernels

// bestKernel is the pure-Go micro-kernel: this build has no assembly.
var bestKernel = goKernel

// supportedKernels lists the micro-kernels of this build.
func supportedKernels() []*sgemmKernel { return []*sgemmKernel{goKernel} }
