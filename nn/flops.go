package nn

// ForwardFLOPs is the number of floating-point operations of one sample's
// forward pass through the convolutions and dense layers, counting a
// multiply-add as 2 (bias adds, activations and pooling excluded). For the
// seed's basic CNN on 28x28x1 it is 5,588,480. Training costs about 3x.
func (m *Sequential) ForwardFLOPs() int {
	m.mustBeBuilt()
	total := 0
	for _, l := range m.Layers {
		switch l := l.(type) {
		case *Conv2D:
			g := l.geom
			total += 2 * g.OH * g.OW * g.KH * g.KW * g.C * l.Filters
		case *Dense:
			rows := l.in[:len(l.in)-1].Size()
			total += 2 * rows * l.in[len(l.in)-1] * l.Units
		}
	}
	return total
}
