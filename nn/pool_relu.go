package nn

// In a Sequential's inference Forward, a Conv2D with relu followed by a
// MaxPooling2D whose 2x2 windows tile its input leaves relu out of its
// output, and the pool applies relu to each input as it reads it
// (kernels.MaxPool2x2Relu): the pool's output has the bits of relu
// followed by the pool (NaNs and ±0 included), without relu's pass over
// the convolution's output (conv1 of basic-cnn: 26x26x32 per sample).
// Where it can, the pool also runs the convolution (pool_conv.go).
// Training keeps relu in the convolution (Backward reads relu's output
// and the pool's input), and so does a Forward that collects statistics
// (they describe each layer's output).

// fuseReluPool sets up the pairs of layers for one inference Forward and
// returns what undoes it.
func fuseReluPool(layers []Layer) (undo func()) {
	type pair struct {
		conv *Conv2D
		pool *MaxPooling2D
		act  *activation // the convolution's relu
	}
	var pairs []pair
	for i := 1; i < len(layers); i++ {
		c, ok := layers[i-1].(*Conv2D)
		p, ok2 := layers[i].(*MaxPooling2D)
		if !ok || !ok2 || c.act == nil || c.act.name != "relu" || c.maskOut || !p.tiled2x2() || p.noFuse {
			continue
		}
		pairs = append(pairs, pair{c, p, c.act})
		c.act, p.reluIn = activations["linear"], true
		if poolsConv(c) && !p.noConv {
			p.conv = c
		}
	}
	return func() {
		for _, q := range pairs {
			q.conv.act, q.pool.reluIn, q.pool.conv = q.act, false, nil
		}
	}
}

// In a Sequential's Backward, the same pairs take relu's gradient out of
// the Conv2D: the MaxPooling2D zeroes each window's dy where relu's
// gradient is zero at its own output (kernels.ReluGrad on the pooled
// tensor, a quarter of the convolution's output) before routing it, and
// the Conv2D's gradient skips relu. Each window's dy goes only to an input
// with the bits of the pool's output (zeros elsewhere stay +0 under
// relu's gradient), so relu's gradient at that input is relu's gradient
// at the pool's output: the same bits as before, without relu's pass
// over the convolution's output gradient.

// fuseReluPoolGrad sets up the pairs of layers for one Backward and
// returns what undoes it.
func fuseReluPoolGrad(layers []Layer) (undo func()) {
	type pair struct {
		conv *Conv2D
		pool *MaxPooling2D
		act  *activation
	}
	var pairs []pair
	for i := 1; i < len(layers); i++ {
		c, ok := layers[i-1].(*Conv2D)
		p, ok2 := layers[i].(*MaxPooling2D)
		if !ok || !ok2 || c.act == nil || c.act.name != "relu" || c.maskOut || !p.tiled2x2() || p.noFuse {
			continue
		}
		pairs = append(pairs, pair{c, p, c.act})
		c.act, p.reluOut = activations["linear"], true
	}
	return func() {
		for _, q := range pairs {
			q.conv.act, q.pool.reluOut = q.act, false
		}
	}
}
