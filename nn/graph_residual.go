package nn

import "github.com/cnnscope/cnnscope/tensor"

// An inference Forward of a Graph hands an Add of two tensors followed by
// a relu Activation to the Conv2D that computes one of them, when that
// Conv2D (or the BatchNormalization folded into it, graph_fold.go) is
// the Add's only reader of it and the other operand is computed before
// the convolution: a residual block's shortcut. The Conv2D writes
// relu(conv + shortcut) tile by tile (conv2d_residual.go; the bits of
// the Add's kernels.Add2Relu, operands in the Add's order) and the Add
// and the Activation hand its output on. Like the folds, never in
// training, for a layer in training mode, nor in a Forward that collects
// activation statistics.

// graphResiduals is the plan: per node, its role.
type graphResiduals struct {
	res   []Ref  // per Conv2D node that takes over an Add: the Add's other operand; noResidual otherwise
	first []bool // per such Conv2D node: the other operand is the Add's first
	by    []int  // per Add or Activation node whose work a Conv2D takes over: that Conv2D's node; -1 otherwise
	done  []bool // per Conv2D node: it took them over in this Forward
}

// noResidual marks a Conv2D node without a residual.
const noResidual Ref = inputRef - 1

// planResiduals finds the Adds a Conv2D takes over (after planFolds).
func (g *Graph) planResiduals() {
	k := len(g.nodes)
	r := graphResiduals{res: make([]Ref, k), first: make([]bool, k), by: make([]int, k), done: make([]bool, k)}
	readers := make([]int, k)
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			if in >= 0 {
				readers[in]++
			}
		}
	}
	readers[g.outputRef()]++
	for i := range r.res {
		r.res[i], r.by[i] = noResidual, -1
	}
	for a, n := range g.nodes {
		add, ok := n.layer.(*Add)
		act := g.onlyReluReader(a)
		if !ok || len(n.inputs) != 2 || !add.plain() || readers[a] != 1 || act < 0 {
			continue
		}
		for side, p := range n.inputs {
			ci := g.residualConv(p, readers)
			if o := n.inputs[1-side]; ci >= 0 && int(o) < ci && r.res[ci] == noResidual {
				r.res[ci], r.first[ci] = o, side == 1
				r.by[a], r.by[act] = ci, ci
				break
			}
		}
	}
	g.resid = r
}

// onlyReluReader returns the relu Activation node that reads node a's
// output, or -1.
func (g *Graph) onlyReluReader(a int) int {
	for m, n := range g.nodes {
		if act, ok := n.layer.(*Activation); ok && len(n.inputs) == 1 && int(n.inputs[0]) == a && act.act.name == "relu" {
			return m
		}
	}
	return -1
}

// residualConv returns the Conv2D node that computes the Add operand p
// with no other reader: p itself, or the Conv2D p's BatchNormalization
// folds into; -1 when there is none or it cannot take a residual.
func (g *Graph) residualConv(p Ref, readers []int) int {
	if p < 0 || readers[p] != 1 {
		return -1
	}
	ci := int(p)
	if _, ok := g.nodes[p].layer.(*BatchNormalization); ok {
		ci = g.folds.conv[p]
	}
	if ci < 0 || g.folds.act[ci] != nil {
		return -1
	}
	if c, ok := g.nodes[ci].layer.(*Conv2D); ok && c.residualFoldable() {
		return ci
	}
	return -1
}

// inferenceFold runs node i of an inference Forward when its work is
// folded (a residual taken over, graph_residual.go, or a
// BatchNormalization folded, graph_fold.go); ok is false when node i
// runs as usual.
func (g *Graph) inferenceFold(i int, x *tensor.Tensor, trainingOf func(Layer) bool) (y *tensor.Tensor, ok bool) {
	if y, ok := g.residualForward(i, x, trainingOf); ok {
		return y, true
	}
	if n := g.nodes[i]; len(n.inputs) == 1 {
		return g.foldForward(i, g.tensorOf(n.inputs[0], x), trainingOf)
	}
	return nil, false
}

// residualForward runs node i when its Conv2D takes over an Add: the
// Conv2D with the Add's other operand, the Add and its Activation
// handing on its output.
func (g *Graph) residualForward(i int, x *tensor.Tensor, trainingOf func(Layer) bool) (*tensor.Tensor, bool) {
	r := &g.resid
	if c := r.by[i]; c >= 0 {
		return g.outs[c], r.done[c]
	}
	if r.res[i] == noResidual {
		return nil, false
	}
	r.done[i] = false
	conv := g.nodes[i].layer.(*Conv2D)
	j := g.folds.bn[i]
	if g.stats.on || trainingOf(conv) || j >= 0 && trainingOf(g.nodes[j].layer) {
		return nil, false
	}
	if j >= 0 {
		g.folds.done[i] = true
		g.refreshFold(i, j)
	}
	y := conv.forwardResidual(g.tensorOf(g.nodes[i].inputs[0], x), g.tensorOf(r.res[i], x), r.first[i], j >= 0)
	r.done[i] = true
	return y, true
}
