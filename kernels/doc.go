// Package kernels holds the numeric inner loops: SGEMM, im2col/col2im and
// elementwise operations on float32 slices.
//
// Every assembly kernel has a pure-Go twin with the same contract. The
// build tag purego (and any architecture other than amd64) selects the
// pure-Go versions; on amd64 the fastest kernel the CPU supports is picked
// at run time with golang.org/x/sys/cpu.
//
// Matrices are row-major with an explicit leading dimension (the distance
// in elements between the starts of two consecutive rows), as in BLAS.
package kernels
