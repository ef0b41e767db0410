package nn

// In a Sequential's inference Forward, a Conv2D with relu followed by a
// MaxPooling2D whose 2x2 windows tile its input leaves relu out of its
// output, and the pool applies relu to each input as it reads it
// (kernels.MaxPool2x2Relu): the pool's output has the bits of relu
// followed by the pool (NaNs and ±0 included), without relu's pass over
// the convolution's output (conv1 of basic-cnn: 26x26x32 per sample).
// Where it can, the pool also runs the convolution (pool_conv.go).
// A training Forward keeps relu in the convolution (the pool's Backward
// routes the gradient by its input as relu wrote it), and so does a
// Forward that collects statistics (they describe each layer's output).

// reluPool is a Conv2D with relu and the MaxPooling2D after it, whose
// 2x2 windows tile its input.
type reluPool struct {
	conv *Conv2D
	pool *MaxPooling2D
	act  *activation // the convolution's relu
}

// takeRelu takes relu out of the convolution of every reluPool of layers
// and calls set(q, true) on each; undo puts relu back and calls set(q,
// false).
func takeRelu(layers []Layer, set func(q reluPool, on bool)) (undo func()) {
	var pairs []reluPool
	for i := 1; i < len(layers); i++ {
		c, ok := layers[i-1].(*Conv2D)
		p, ok2 := layers[i].(*MaxPooling2D)
		if !ok || !ok2 || c.act == nil || c.act.name != "relu" || c.maskOut || !p.tiled2x2() || p.noFuse {
			continue
		}
		q := reluPool{c, p, c.act}
		pairs = append(pairs, q)
		c.act = activations["linear"]
		set(q, true)
	}
	return func() {
		for _, q := range pairs {
			q.conv.act = q.act
			set(q, false)
		}
	}
}

// fuseReluPool sets up the pairs of layers for one inference Forward and
// returns what undoes it.
func fuseReluPool(layers []Layer) (undo func()) {
	return takeRelu(layers, func(q reluPool, on bool) {
		q.pool.reluIn, q.pool.conv = on, nil
		if on && poolsConv(q.conv) && !q.pool.noConv && !(q.pool.noWino && q.conv.useWinograd()) {
			q.pool.conv = q.conv
		}
	})
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
	return takeRelu(layers, func(q reluPool, on bool) { q.pool.reluOut = on })
}
