package nn

import "github.com/cnnscope/cnnscope/kernels"

// A Graph fuses a relu or relu6 Activation into the BatchNormalization or
// Add before it when nothing else reads that layer's output: the layer
// applies the activation to its output while it is still in the cache (a
// piece of fusePieceValues values at a time), the Activation hands its
// input on as its output, and in Backward the layer turns dy into the
// gradient before the activation itself, again piece by piece, just
// before it reads dy for its own sums or copies. This saves a pass over
// the tensor in each direction and the Activation's buffer; the results
// are the same bits (the same operations on the same values). A Forward
// that collects activation statistics does not fuse (the layer's own
// output would be lost), nor does a BatchNormalization folded into a
// Conv2D (graph_fold.go, which takes over the relu itself).

// fusePieceValues is the number of values of a piece: 64 KiB, which stays
// in the L1 or L2 cache between the two kernels that read it.
const fusePieceValues = 16 << 10

// actFuser is a layer that can apply the activation after it.
type actFuser interface {
	fuseActivation(a *activation) // nil: none
}

// actFusion is a layer's fused activation in the last Forward and the
// output it was applied to.
type actFusion struct {
	act *activation
	y   []float32
}

// backward turns dy (rows of n values) into the gradient before the
// activation, pieces in parallel; nothing without an activation.
func (f *actFusion) backward(dy []float32, n int) {
	if f.act == nil {
		return
	}
	kernels.ForEachChunk(len(dy), elementwiseGrain, func(lo, hi int) {
		f.act.backward(dy[lo:hi], f.y[lo:hi], nil, n)
	})
}

// graphFusion is the plan: per node, the Activation node a fuser node
// applies (-1: none), and per Activation node, its fuser node (-1).
type graphFusion struct {
	act, by []int
	padTo   []int  // per ZeroPadding2D node, the DepthwiseConv2D node that does its work (graph_pad.go), or -1
	on      bool   // this Forward fuses
	ran     []bool // per fuser node: it ran with its activation in this Forward; per padding node: it handed its work on
}

// planFusion finds the pairs: a BatchNormalization or Add whose only
// reader is a relu or relu6 Activation, not the model's output.
func (g *Graph) planFusion() {
	k := len(g.nodes)
	f := graphFusion{act: make([]int, k), by: make([]int, k), ran: make([]bool, k)}
	readers := make([]int, k)
	for _, n := range g.nodes {
		for _, r := range n.inputs {
			if r >= 0 {
				readers[r]++
			}
		}
	}
	for i := range f.act {
		f.act[i], f.by[i] = -1, -1
	}
	for i, n := range g.nodes {
		a, ok := n.layer.(*Activation)
		if !ok || len(n.inputs) != 1 || n.inputs[0] < 0 || (a.act.name != "relu" && a.act.name != "relu6") {
			continue
		}
		j := int(n.inputs[0])
		if _, ok := g.nodes[j].layer.(actFuser); ok && readers[j] == 1 && Ref(j) != g.outputRef() {
			f.act[j], f.by[i] = i, j
		}
	}
	f.padTo = g.planPadding(readers)
	g.planHubs(&f, readers)
	g.fusion = f
}

// beginFusion starts a Forward: fusing unless it collects statistics.
func (g *Graph) beginFusion() {
	g.fusion.on = !g.stats.on
	clear(g.fusion.ran)
}

// prepareFuser gives node i's layer, about to run, its activation when
// it is a fuser and this Forward fuses (nil otherwise).
func (g *Graph) prepareFuser(i int) {
	a := g.fusion.act[i]
	if a < 0 {
		return
	}
	var act *activation
	if g.fusion.on {
		act = g.nodes[a].layer.(*Activation).act
	}
	g.nodes[i].layer.(actFuser).fuseActivation(act)
	g.fusion.ran[i] = act != nil
}

// fusedActivation reports whether node i is an Activation whose work its
// input's layer did in the last Forward: its output is then its input,
// and its input gets dy as it is in Backward.
func (g *Graph) fusedActivation(i int) bool {
	j := g.fusion.by[i]
	return j >= 0 && g.fusion.ran[j]
}
