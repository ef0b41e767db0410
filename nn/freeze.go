package nn

// SetTrainableBuilt changes the Keras trainable flag of a layer that is
// already built, as assigning layer.trainable does in Keras between two
// fits: its weights with a gradient (kernel, bias, gamma, beta) become
// trainable or fixed, and a BatchNormalization runs in training or
// inference mode from its next Forward. Weights that never have a
// gradient (moving statistics) stay fixed. A layer built frozen keeps
// its gradient buffers, so it can be unfrozen.
func SetTrainableBuilt(l Layer, on bool) {
	SetTrainable(l, on)
	for _, p := range l.Params() {
		p.Trainable = on && p.Grad != nil
	}
}

// learns reports whether l has a weight the optimizer updates (trainable,
// with a gradient). Backward skips what only frozen weights would need:
// a layer's frozen weight gradients, and the whole backward pass below
// the last layer that learns (fine-tuning a head on a frozen base).
func learns(l Layer) bool {
	for _, p := range l.Params() {
		if p.Trainable && p.Grad != nil {
			return true
		}
	}
	return false
}

// skipLayer is Backward's stand-in for a layer that it does not run: its
// frozen gradients are cleared, as skipGrad does.
func skipLayer(l Layer) {
	for _, p := range l.Params() {
		skipGrad(p)
	}
}

// skipGrad reports whether p's gradient need not be computed (p is
// frozen or has none); a frozen p's gradient buffer is cleared, so that
// it never holds a stale gradient from before the freeze.
func skipGrad(p *Param) bool {
	if p == nil || p.Grad == nil {
		return true
	}
	if !p.Trainable {
		clear(p.Grad.Data)
		return true
	}
	return false
}
