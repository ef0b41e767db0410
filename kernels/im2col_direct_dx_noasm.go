//go:build purego || !amd64

package kernels

// dxKernelFor is convDxGo: this build has no assembly.
func dxKernelFor(int) dxKernel { return convDxGo }
