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
//
// # SGEMM
//
// Sgemm is blocked and packed in the GotoBLAS/BLIS manner (gemm_block.go)
// around register-tiled micro-kernels: 12×32 with AVX-512, 6×16 with
// AVX2+FMA, generated with avo by the program in kernels/_asm (its own
// module; run go generate in this package to regenerate sgemm_amd64.s),
// and 4×4 in pure Go. Products big enough are split into tasks over
// runtime.GOMAXPROCS(0) goroutines, the caller and persistent helpers.
// Waking a parked thread costs 70-200 µs on the VMs this runs on, so the
// helpers poll for new work for 2 ms after each product before they park:
// the other cores look busy for that long after a burst of products. The
// first product after a longer pause runs at about single-thread speed.
// Results do not depend on GOMAXPROCS or on scheduling.
//
// BenchmarkFMAPeak measures the machine's fp32 FMA peak; BenchmarkSgemm
// reports GFLOP/s for 512³ and the CNN's products.
package kernels
