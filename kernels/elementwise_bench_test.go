package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The elementwise benchmarks run each implementation (the "go" one is the
// naive loop the kernels replaced) on the basic CNN's sizes at batch 32:
// the first convolution's output (26x26x32 per sample), a col2im run (3x32
// values), the bias gradients of the first convolution and of Dense(64),
// Adam over the model's 93,322 parameters and the first max-pool. They
// report the bytes each kernel reads and writes per second.

func benchImpls(b *testing.B, name string, bytes int, run func(e *elementwise)) {
	for _, impl := range supportedElementwise() {
		b.Run(name+"/"+impl.name, func(b *testing.B) {
			b.SetBytes(int64(bytes))
			for b.Loop() {
				run(impl)
			}
		})
	}
}

func benchData(n int) []float32 {
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func BenchmarkElementwise(b *testing.B) {
	for _, n := range []int{32 * 26 * 26 * 32, 4096, 96} {
		z, y, d := benchData(n), benchData(n), benchData(n)
		benchImpls(b, fmt.Sprintf("Relu/n=%d", n), 8*n, func(e *elementwise) { e.relu(y, z) })
		benchImpls(b, fmt.Sprintf("ReluGrad/n=%d", n), 12*n, func(e *elementwise) { e.reluGrad(d, z) })
		benchImpls(b, fmt.Sprintf("AddTo/n=%d", n), 12*n, func(e *elementwise) { e.addTo(d, z) })
		benchImpls(b, fmt.Sprintf("Relu6/n=%d", n), 8*n, func(e *elementwise) { e.relu6(y, z) })
		benchImpls(b, fmt.Sprintf("Relu6Grad/n=%d", n), 12*n, func(e *elementwise) { e.relu6Grad(d, z) })
		benchImpls(b, fmt.Sprintf("Add2Relu/n=%d", n), 12*n, func(e *elementwise) { e.add2Relu(y, z, d) })
		b.Run(fmt.Sprintf("Add2Relu/n=%d/copy-addto-relu", n), func(b *testing.B) { // nn's Add and relu before
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				copy(y, z)
				ew.addTo(y, d)
				ew.relu(y, y)
			}
		})
		b.Run(fmt.Sprintf("Relu6Grad/n=%d/naive", n), func(b *testing.B) { // nn's loop before the kernels
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				refRelu6Grad(d, z)
			}
		})
	}
	{
		n := 93322
		w, g, m, v := benchData(n), benchData(n), benchData(n), benchData(n)
		for i := range v {
			v[i] *= v[i]
		}
		benchImpls(b, fmt.Sprintf("Adam/n=%d", n), 28*n, func(e *elementwise) {
			e.adam(w, g, m, v, 1e-9, 0.1, 0.001, 1e-7)
		})
	}
	for _, s := range []struct{ rows, cols int }{{32 * 26 * 26, 32}, {32, 64}} {
		src, acc := benchData(s.rows*s.cols), make([]float64, s.cols)
		benchImpls(b, fmt.Sprintf("SumRows64/%dx%d", s.rows, s.cols), 4*s.rows*s.cols, func(e *elementwise) {
			e.sumRows64(acc, src)
		})
	}
	{
		// im2col's and col2im's runs: a kernel row (3x16 values) of the 30
		// inner patches of a 32-wide output row of a 3x3 convolution over 16
		// channels, into patch rows of 144 values.
		const runs, n, ds, ss = 30, 48, 144, 16
		dst, src := benchData((runs-1)*ds+n), benchData((runs-1)*ss+n)
		benchImpls(b, "CopyRuns/30x48", 8*runs*n, func(e *elementwise) { e.copyRuns(dst, src, runs, n, ds, ss) })
		benchImpls(b, "AddRuns/30x48", 12*runs*n, func(e *elementwise) { e.addRuns(src, dst, runs, n, ss, ds) })
	}
	{
		n := 32 * 32 * 32 * 32 // vgg-small's first convolution at batch 32
		y, dy, mask := benchData(n), benchData(n), make([]uint64, n/64)
		benchImpls(b, "ReluMask/n=1M", 4*n, func(e *elementwise) { e.reluMask(mask, y) })
		benchImpls(b, "ApplyReluMask/n=1M", 8*n, func(e *elementwise) { e.applyReluMask(dy, mask) })
	}
	{
		h, w, c := 26, 26, 32
		nx, ny := h*w*c, (h/2)*(w/2)*c
		x, dx := benchData(nx), make([]float32, nx)
		y, dy := make([]float32, ny), benchData(ny)
		goElementwise.maxPool2x2(y, x, h, w, c)
		benchImpls(b, "MaxPool2x2/26x26x32", 4*(nx+ny), func(e *elementwise) { e.maxPool2x2(y, x, h, w, c) })
		r := make([]float32, nx)
		benchImpls(b, "ReluThenMaxPool2x2/26x26x32", 4*(3*nx+ny), func(e *elementwise) { // the two passes MaxPool2x2Relu replaces
			e.relu(r, x)
			e.maxPool2x2(y, r, h, w, c)
		})
		benchImpls(b, "MaxPool2x2Relu/26x26x32", 4*(nx+ny), func(e *elementwise) { e.maxPool2x2Relu(y, x, h, w, c) })
		benchImpls(b, "MaxPool2x2Grad/26x26x32", 8*(nx+ny), func(e *elementwise) {
			e.maxPool2x2Grad(dx, x, y, dy, h, w, c)
		})
	}
}
