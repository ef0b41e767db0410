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
