package nn

// A Graph hands the work of a ZeroPadding2D to the DepthwiseConv2D after
// it when that is its only reader (MobileNetV2's stride-2 blocks): the
// depthwise convolution reads the unpadded input with the padding moved
// into its geometry, and its kernels skip the taps that fall in the
// border, as they do for padding "same". The ZeroPadding2D hands its
// input on as its output, and in Backward the depthwise convolution's
// input gradient (of the unpadded shape) on as its own. This saves the
// padded copy and its cropping in Backward, a pass over the tensor each;
// the sums are the same but for the zero products they no longer add. As
// with the fused activations (graph_fuse.go), a Forward that collects
// activation statistics does not fuse.

// planPadding sets, per node, the DepthwiseConv2D node a ZeroPadding2D
// node hands its work to (-1: none); readers counts each node's readers.
func (g *Graph) planPadding(readers []int) []int {
	to := make([]int, len(g.nodes))
	for i := range to {
		to[i] = -1
	}
	for i, n := range g.nodes {
		if _, ok := n.layer.(*DepthwiseConv2D); !ok || len(n.inputs) != 1 || n.inputs[0] < 0 {
			continue
		}
		p := int(n.inputs[0])
		if _, ok := g.nodes[p].layer.(*ZeroPadding2D); ok && readers[p] == 1 && Ref(p) != g.outputRef() {
			to[p] = i
		}
	}
	return to
}

// passPadding reports whether node i is a ZeroPadding2D whose depthwise
// convolution does its work in this Forward (then its output is its
// input), and tells that layer which input it gets.
func (g *Graph) passPadding(i int) bool {
	d := g.fusion.padTo[i]
	if d < 0 {
		return false
	}
	var p *[4]int
	if g.fusion.on {
		p = &g.nodes[i].layer.(*ZeroPadding2D).Padding
	}
	g.nodes[d].layer.(*DepthwiseConv2D).setPrePad(p)
	g.fusion.ran[i] = p != nil
	return p != nil
}

// passedPadding reports whether node i is a ZeroPadding2D that handed
// its work on in the last Forward: in Backward it hands dy on as its
// input's gradient.
func (g *Graph) passedPadding(i int) bool { return g.fusion.padTo[i] >= 0 && g.fusion.ran[i] }
