//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run -C _asm . -elementwise -out ../elementwise_amd64.s -stubs ../elementwise_stub_amd64.go -pkg kernels

// The AVX-512 kernels take whole slices (their tails are masked; the
// masks come from BZHI, hence BMI2). The AVX2 kernels process whole
// vectors of 8 and leave the tail to the Go twins; their 2x2 max-pool
// needs a channel count that is a multiple of 8 and otherwise falls back
// to Go.
var (
	hasAVX512BMI2 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	hasAVX2       = cpu.X86.HasAVX2
)

var avx512Elementwise = &elementwise{
	name: "avx512",
	relu: func(y, z []float32) {
		if len(z) > 0 {
			reluAVX512(&y[0], &z[0], len(z))
		}
	},
	reluGrad: func(dy, y []float32) {
		if len(y) > 0 {
			reluGradAVX512(&dy[0], &y[0], len(y))
		}
	},
	relu6: func(y, z []float32) {
		if len(z) > 0 {
			relu6AVX512(&y[0], &z[0], len(z))
		}
	},
	relu6Grad: func(dy, y []float32) {
		if len(y) > 0 {
			relu6GradAVX512(&dy[0], &y[0], len(y))
		}
	},
	add2: func(y, a, b []float32) {
		if len(y) > 0 {
			add2AVX512(&y[0], &a[0], &b[0], len(y))
		}
	},
	add2Relu: func(y, a, b []float32) {
		if len(y) > 0 {
			add2ReluAVX512(&y[0], &a[0], &b[0], len(y))
		}
	},
	addTo: func(dst, src []float32) {
		if len(src) > 0 {
			addToAVX512(&dst[0], &src[0], len(src))
		}
	},
	adam: func(w, g, m, v []float32, alpha, c1, c2, eps float32) {
		if len(w) > 0 {
			adamAVX512(&w[0], &g[0], &m[0], &v[0], len(w), alpha, c1, c2, eps)
		}
	},
	sumRows64: func(acc []float64, src []float32) {
		if n := len(acc); len(src) > 0 {
			sumRows64AVX512(&acc[0], &src[0], len(src)/n, n, n)
		}
	},
	maxPool2x2: func(y, x []float32, h, w, c int) {
		poolRows(y, x, h, w, c, maxPool2x2RowAVX512)
	},
	maxPool2x2Relu: func(y, x []float32, h, w, c int) {
		poolRows(y, x, h, w, c, maxPool2x2ReluRowAVX512)
	},
	maxPool2x2Grad: func(dx, x, y, dy []float32, h, w, c int) {
		poolGradRows(dx, x, y, dy, h, w, c, maxPool2x2GradRowAVX512)
	},
	copyRuns: func(dst, src []float32, runs, n, dstStride, srcStride int) {
		if runs > 0 && n > 0 {
			copyRunsAVX512(&dst[0], &src[0], runs, n, dstStride, srcStride)
		}
	},
	addRuns: func(dst, src []float32, runs, n, dstStride, srcStride int) {
		if runs > 0 && n > 0 {
			addRunsAVX512(&dst[0], &src[0], runs, n, dstStride, srcStride)
		}
	},
	reluMask: func(mask []uint64, y []float32) {
		w := len(y) / 64
		if w > 0 {
			reluMaskAVX512(&mask[0], &y[0], w)
		}
		reluMaskGo(mask[w:], y[w*64:])
	},
	applyReluMask: func(dy []float32, mask []uint64) {
		w := len(dy) / 64
		if w > 0 {
			applyReluMaskAVX512(&dy[0], &mask[0], w)
		}
		applyReluMaskGo(dy[w*64:], mask[w:])
	},
}

var avx2Elementwise = &elementwise{
	name: "avx2",
	relu: func(y, z []float32) {
		n := len(z) &^ 7
		if n > 0 {
			reluAVX2(&y[0], &z[0], n)
		}
		reluGo(y[n:], z[n:])
	},
	reluGrad: func(dy, y []float32) {
		n := len(y) &^ 7
		if n > 0 {
			reluGradAVX2(&dy[0], &y[0], n)
		}
		reluGradGo(dy[n:], y[n:])
	},
	relu6:     relu6Go, // no AVX2 version: this host has AVX-512
	relu6Grad: relu6GradGo,
	add2:      add2Go,
	add2Relu:  add2ReluGo,
	addTo: func(dst, src []float32) {
		n := len(src) &^ 7
		if n > 0 {
			addToAVX2(&dst[0], &src[0], n)
		}
		addToGo(dst[n:], src[n:])
	},
	adam: func(w, g, m, v []float32, alpha, c1, c2, eps float32) {
		n := len(w) &^ 7
		if n > 0 {
			adamAVX2(&w[0], &g[0], &m[0], &v[0], n, alpha, c1, c2, eps)
		}
		adamGo(w[n:], g[n:], m[n:], v[n:], alpha, c1, c2, eps)
	},
	sumRows64: func(acc []float64, src []float32) {
		n := len(acc)
		cols := n &^ 3
		if cols > 0 && len(src) > 0 {
			sumRows64AVX2(&acc[0], &src[0], len(src)/n, cols, n)
		}
		if cols < n {
			sumRows64Cols(acc, src, cols)
		}
	},
	maxPool2x2: func(y, x []float32, h, w, c int) {
		if c%8 != 0 {
			maxPool2x2Go(y, x, h, w, c)
			return
		}
		poolRows(y, x, h, w, c, maxPool2x2RowAVX2)
	},
	maxPool2x2Relu: func(y, x []float32, h, w, c int) {
		if c%8 != 0 {
			maxPool2x2ReluGo(y, x, h, w, c)
			return
		}
		poolRows(y, x, h, w, c, maxPool2x2ReluRowAVX2)
	},
	maxPool2x2Grad: func(dx, x, y, dy []float32, h, w, c int) {
		if c%8 != 0 {
			maxPool2x2GradGo(dx, x, y, dy, h, w, c)
			return
		}
		poolGradRows(dx, x, y, dy, h, w, c, maxPool2x2GradRowAVX2)
	},
	copyRuns:      copyRunsGo, // runs of a few vectors: no AVX2 version (yet)
	addRuns:       addRunsGo,
	reluMask:      reluMaskGo,
	applyReluMask: applyReluMaskGo,
}

// poolRows runs a forward row kernel on each pair of input rows.
func poolRows(y, x []float32, h, w, c int, row func(y, x *float32, ow, c, ld int)) {
	oh, ow, ld := h/2, w/2, w*c
	if oh == 0 || ow == 0 || c == 0 {
		return
	}
	for i := range oh {
		row(&y[i*ow*c], &x[2*i*ld], ow, c, ld)
	}
}

// poolGradRows runs a backward row kernel on each pair of input rows and
// clears the inputs in no window.
func poolGradRows(dx, x, y, dy []float32, h, w, c int, row func(dx, x, y, dy *float32, ow, c, ld int)) {
	oh, ow, ld := h/2, w/2, w*c
	if oh > 0 && ow > 0 && c > 0 {
		for i := range oh {
			row(&dx[2*i*ld], &x[2*i*ld], &y[i*ow*c], &dy[i*ow*c], ow, c, ld)
		}
	}
	if oh == 0 || ow == 0 {
		clear(dx)
		return
	}
	clearPoolEdges(dx, h, w, c)
}

// ew is the fastest implementation this CPU supports.
var ew = supportedElementwise()[0]

// supportedElementwise lists the implementations this CPU can run, the
// fastest first; tests check each of them against the pure-Go one.
func supportedElementwise() []*elementwise {
	var es []*elementwise
	if hasAVX512BMI2 {
		es = append(es, avx512Elementwise)
	}
	if hasAVX2 {
		es = append(es, avx2Elementwise)
	}
	return append(es, goElementwise)
}
