package nn

// ForwardFLOPs is the number of floating-point operations of one sample's
// forward pass through the convolutions and dense layers, counting a
// multiply-add as 2 (bias adds, activations and pooling excluded). For the
// seed's basic CNN on 28x28x1 it is 5,588,480. Training costs about 3x.
func (m *Sequential) ForwardFLOPs() int {
	m.mustBeBuilt()
	total := 0
	for _, l := range m.Layers {
		total += layerFLOPs(l)
	}
	return total
}

// layerFLOPs is one sample's forward multiply-adds ×2 of a built layer
// (0 for layers without a kernel).
func layerFLOPs(l Layer) int {
	switch l := l.(type) {
	case *Conv2D:
		g := l.geom
		return 2 * g.OH * g.OW * g.KH * g.KW * g.C * l.Filters
	case *Dense:
		rows := l.in[:len(l.in)-1].Size()
		return 2 * rows * l.in[len(l.in)-1] * l.Units
	case *DepthwiseConv2D:
		g := l.geom
		return 2 * g.OH * g.OW * g.KH * g.KW * g.C * l.m
	case *SeparableConv2D:
		return layerFLOPs(&l.dw) + 2*l.out[0]*l.out[1]*l.mid[2]*l.Filters
	}
	return 0
}
