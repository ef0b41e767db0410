//go:build purego || !amd64

package kernels

// fmaPeakLoop: a build without assembly has no FMA peak loop.
func fmaPeakLoop() (fn func(int), flopsPerIter float64, isa string) { return nil, 0, "" }
