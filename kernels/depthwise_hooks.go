package kernels

// SampleHooks are calls a depthwise convolution makes around each
// sample's work, on the goroutine that does it: Before(b) just before it
// reads sample b's input (x in Forward, dz in Backward), After(b) right
// after sample b's output (y, or dx) is complete; nil: none. With
// FirstAlone, sample 0's After completes before any other sample's
// After starts (with depth multiplier 1, before any other sample
// starts). They let a caller run the per-sample passes of the layers
// around the convolution on a sample while it is in the cache (nn's
// BatchNormalizations next to a DepthwiseConv2D). The convolution's
// results do not change.
type SampleHooks struct {
	Before, After func(b int)
	FirstAlone    bool
}

// each runs fn on samples [0, n) with the hooks, samples in parallel.
func (h SampleHooks) each(n int, fn func(b int)) {
	run := func(b int) {
		if h.Before != nil {
			h.Before(b)
		}
		fn(b)
		if h.After != nil {
			h.After(b)
		}
	}
	first := 0
	if h.FirstAlone && n > 0 {
		run(0)
		first = 1
	}
	ForEachChunk(n-first, 1, func(lo, hi int) {
		for b := lo + first; b < hi+first; b++ {
			run(b)
		}
	})
}

// serial calls every Before, then fn, then every After, in sample order:
// the hooks of the pixel-by-pixel loops (depth multiplier > 1).
func (h SampleHooks) serial(n int, fn func()) {
	for b := 0; h.Before != nil && b < n; b++ {
		h.Before(b)
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
