package nn

// A Graph pairs each DepthwiseConv2D (no bias, no activation) with the
// BatchNormalizations next to it, whose passes it then runs sample by
// sample in a training step (batchnorm_hub.go): the one whose output it
// reads alone, through that layer's fused relu or relu6 Activation and a
// ZeroPadding2D it does the work of, and the one that alone reads its
// output. An inference Forward (folded, micro-batched), or one that
// collects activation statistics (no fusion), runs them as before.

// planHubs sets the pairs (each layer's hub fields) from the fusion plan f
// and the readers of each node.
func (g *Graph) planHubs(f *graphFusion, readers []int) {
	for _, n := range g.nodes {
		switch l := n.layer.(type) {
		case *BatchNormalization:
			l.hub.applyOut, l.hub.gradOut = false, false
		case *DepthwiseConv2D:
			l.hub = dwHub{}
		}
	}
	for i, n := range g.nodes {
		d, ok := n.layer.(*DepthwiseConv2D)
		if !ok || g.hubsOff || !d.hubbable() || len(n.inputs) != 1 || n.inputs[0] < 0 {
			continue
		}
		if bn := g.hubBefore(f, readers, int(n.inputs[0]), i); bn != nil {
			bn.hub.applyOut, d.hub.in = true, bn
		}
		if readers[i] != 1 || Ref(i) == g.outputRef() {
			continue
		}
		for _, m := range g.nodes[i+1:] {
			if bn, ok := m.layer.(*BatchNormalization); ok && len(m.inputs) == 1 && m.inputs[0] == Ref(i) {
				bn.hub.gradOut, d.hub.out = true, bn
			}
		}
	}
}

// planPointwise pairs each pointwise Conv2D (1x1, stride 1, no bias,
// linear: the kind that runs on tiles, conv2d_pointwise.go) with the
// BatchNormalization that alone reads its output, unless an Add takes
// that one's output over (planBNAdds, which runs first: its Backward
// then writes the input gradient aside), and with the one whose output
// it alone reads through a fused activation: the convolution runs their
// passes tile by tile. Nothing with hubsOff.
func (g *Graph) planPointwise(f *graphFusion, readers []int) {
	for _, n := range g.nodes {
		switch l := n.layer.(type) {
		case *BatchNormalization:
			l.hub.gradConv, l.hub.sumsConv = false, false
		case *Conv2D:
			l.gradBN, l.sumsBN = nil, nil
		}
	}
	g.planBiasBN(readers)
	if g.hubsOff {
		return
	}
	for i, n := range g.nodes {
		c, ok := n.layer.(*Conv2D)
		if !ok || !c.pointwise() || c.bias != nil || c.act.name != "linear" || len(n.inputs) != 1 {
			continue
		}
		if r := int(n.inputs[0]); r >= 0 && readers[r] == 1 && Ref(r) != g.outputRef() && f.by[r] >= 0 {
			if bn, ok := g.nodes[f.by[r]].layer.(*BatchNormalization); ok {
				bn.hub.sumsConv, c.sumsBN = true, bn
			}
		}
		if readers[i] != 1 || Ref(i) == g.outputRef() {
			continue
		}
		for _, m := range g.nodes[i+1:] {
			if bn, ok := m.layer.(*BatchNormalization); ok && len(m.inputs) == 1 && m.inputs[0] == Ref(i) && !bn.toAdd {
				bn.hub.gradConv, c.gradBN = true, bn
			}
		}
	}
}

// hubBefore returns the BatchNormalization whose output node d reads
// from node r, its only reader: through a fused Activation and, unless r
// is that, a ZeroPadding2D whose work d does; nil where there is none.
func (g *Graph) hubBefore(f *graphFusion, readers []int, r, d int) *BatchNormalization {
	if f.padTo[r] == d {
		r = int(g.nodes[r].inputs[0])
	}
	if r < 0 || readers[r] != 1 || Ref(r) == g.outputRef() || f.by[r] < 0 {
		return nil
	}
	bn, _ := g.nodes[f.by[r]].layer.(*BatchNormalization)
	return bn
}

// prepareHub tells node i's layer, about to run, whether this Forward
// runs the paired passes in the depthwise convolutions: in a training
// Forward that fuses. A depthwise convolution tells the
// BatchNormalization after it, whose statistics it sums before that
// layer runs.
func (g *Graph) prepareHub(i int, inference bool) {
	on := g.fusion.on && !inference
	switch l := g.nodes[i].layer.(type) {
	case *BatchNormalization:
		l.hub.on = on && (l.hub.applyOut || l.hub.gradOut || l.hub.gradConv || l.hub.sumsConv)
	case *DepthwiseConv2D:
		if l.hub.out != nil {
			l.hub.out.hub.on = on
		}
	case *Conv2D:
		if l.gradBN != nil {
			l.gradBN.hub.on = on
		}
	}
}
