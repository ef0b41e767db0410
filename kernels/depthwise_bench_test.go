package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkDepthwise runs the depthwise convolution's forward pass and its
// backward pass (kernel and input gradients) on MobileNetV2 shapes at
// batch 8 (3x3 kernels: 48x48x16 stride 1 and 49x49x96 stride 2 from
// mobilenet-v2-small at 96 px, 16x16x96 stride 1 as in nn's benchmark),
// for every implementation and for the pixel-by-pixel loops they replaced
// ("naive"). It is memory-bound: it reports GB/s of the bytes each pass
// must move at least (forward: x read, y read and written; backward: x
// and dz read, dx written, the per-sample kernel gradients written and
// summed).
func BenchmarkDepthwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, g := range []ConvGeom{dwGeom(8, 48, 48, 16, 3, 3, 1, 1, true), dwGeom(8, 49, 49, 96, 3, 3, 2, 2, false), dwGeom(8, 16, 16, 96, 3, 3, 1, 1, true)} {
		c := newDwCase(rng, g)
		y, dk, dx, part := make([]float32, c.ny), make([]float32, c.nk), make([]float32, c.nx), make([]float32, g.N*c.nk)
		shape := fmt.Sprintf("%dx%dx%d/s%d", g.H, g.W, g.C, g.SH)
		fwd := 4 * (c.nx + 2*c.ny)
		bwd := 4 * (2*c.nx + c.ny + 2*g.N*c.nk)
		benchDepthwise(b, "Forward/"+shape, fwd, func(impl *depthwiseImpl) {
			if impl == nil {
				depthwiseForwardPixels(g, 1, c.x, c.k, y)
				return
			}
			depthwiseForwardWith(impl, g, c.x, c.k, nil, false, y, nil, false)
		})
		benchDepthwise(b, "Backward/"+shape, bwd, func(impl *depthwiseImpl) {
			if impl == nil {
				depthwiseBackwardPixels(g, 1, c.x, c.k, c.dz, dk, dx, part)
				return
			}
			depthwiseBackwardWith(impl, g, c.x, c.k, c.dz, dk, dx, part)
		})
	}
}

// benchDepthwise runs one pass for the naive loops (impl nil) and every
// implementation.
func benchDepthwise(b *testing.B, name string, bytes int, run func(impl *depthwiseImpl)) {
	impls := append([]*depthwiseImpl{nil}, supportedDepthwise()...)
	for _, impl := range impls {
		label := "naive"
		if impl != nil {
			label = impl.name
		}
		b.Run(name+"/"+label, func(b *testing.B) {
			b.SetBytes(int64(bytes))
			for b.Loop() {
				run(impl)
			}
			b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
