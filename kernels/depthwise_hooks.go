package kernels

// SampleHooks are calls a depthwise convolution makes around each
// sample's work, on the goroutine that does it: Before(b, s) just before
// it reads sample b's input (x, and dz in Backward, which Before may
// rewrite in place), After(b) right after sample b's output (y, or dx)
// is complete; nil: none. When Before returns a slice (the sample's x,
// for instance in s, the goroutine's scratch), the convolution reads
// sample b's x from it instead of from x. With FirstAlone, sample 0's
// After completes before any other sample's After starts (with depth
// multiplier 1, before any other sample starts). They let a caller run
// the per-sample passes of the layers around the convolution on a sample
// while it is in the cache (nn's BatchNormalizations next to a
// DepthwiseConv2D), or compute its input there. The convolution's
// results do not change.
type SampleHooks struct {
	Before     func(b int, s *TaskScratch) []float32
	After      func(b int)
	FirstAlone bool
}

// each runs fn on samples [0, n), each with its x (nx values of x, or
// what Before returned), with the hooks, samples in parallel.
func (h SampleHooks) each(n int, x []float32, nx int, fn func(b int, xb []float32)) {
	run := func(b int, s *TaskScratch) {
		xb := sampleOf(x, b, nx)
		if h.Before != nil {
			if r := h.Before(b, s); r != nil {
				xb = r[:nx]
			}
		}
		fn(b, xb)
		if h.After != nil {
			h.After(b)
		}
	}
	first := 0
	if h.FirstAlone && n > 0 {
		ForEachTask(1, func(_ int, s *TaskScratch) { run(0, s) })
		first = 1
	}
	ForEachTask(n-first, func(t int, s *TaskScratch) { run(t+first, s) })
}

// serial calls every Before, then fn, then every After, in sample order:
// the hooks of the pixel-by-pixel loops (depth multiplier > 1), where
// Before may not hand the input over.
func (h SampleHooks) serial(n int, fn func()) {
	var s TaskScratch
	for b := 0; h.Before != nil && b < n; b++ {
		if h.Before(b, &s) != nil {
			panic("kernels: a depthwise convolution with a depth multiplier takes its input from x only")
		}
	}
	fn()
	for b := 0; h.After != nil && b < n; b++ {
		h.After(b)
	}
}

// DepthwiseForwardHooked is DepthwiseForwardBias without a post, with
// hooks around each sample's work (see SampleHooks).
func DepthwiseForwardHooked(g ConvGeom, m int, x, k, bias, y []float32, h SampleHooks) {
	if m != 1 {
		h.serial(g.N, func() { DepthwiseForwardBias(g, m, x, k, bias, y, nil) })
		return
	}
	depthwiseForwardHooked(dw, g, x, k, bias, true, y, nil, false, h)
}

// DepthwiseBackwardHooked is DepthwiseBackward with hooks around each
// sample's work (see SampleHooks).
func DepthwiseBackwardHooked(g ConvGeom, m int, x, k, dz, dk, dx, part []float32, h SampleHooks) {
	if m != 1 {
		h.serial(g.N, func() { depthwiseBackwardPixels(g, m, x, k, dz, dk, dx, part) })
		return
	}
	depthwiseBackwardHooked(dw, g, x, k, dz, dk, dx, part, h)
}
