//go:build purego || !amd64

package kernels

// bestKernel is the pure-Go micro-kernel: this build has no assembly.
var bestKernel = goKernel

// kernelFor returns the micro-kernel for a product with n columns.
func kernelFor(int) *sgemmKernel { return goKernel }

// supportedKernels lists the micro-kernels of this build.
func supportedKernels() []*sgemmKernel { return []*sgemmKernel{goKernel} }
