//go:build purego || !amd64

package kernels

// dxKernelFor is convDxGo: this build has no assembly.
func dxKernelFor(int) dxKernel { return convDxGo }

// dxKernelIsVector is false: this build has no vector kernel.
func dxKernelIsVector(int) bool { return false }
