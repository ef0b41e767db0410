//go:build purego || !amd64

package kernels

// tapKernel is never called: this build has no vector three-tap kernel
// (the segmented SGEMM kernels run).
var tapKernel tapKernelFunc = convTapGo

// tapKernelOn is false: this build has no vector three-tap kernel.
func tapKernelOn() bool { return false }

// tapGradKernel is never called: this build has no vector kernel.
var tapGradKernel tapGradKernelFunc = convTapGradGo
