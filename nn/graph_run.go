package nn

import (
	"slices"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// Forward runs x (batch first) through every layer call in order.
// training selects Dropout's and BatchNormalization's training behaviour.
// The result belongs to the output layer.
func (g *Graph) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training {
		g.mustBeBuilt()
		if y := g.forwardMicro(x); y != nil {
			return y
		}
	}
	return g.forward(x, func(Layer) bool { return training }, !training)
}

// forward runs every layer call in order, each layer in the mode
// training(layer) says. With inference (no Backward follows), outputs go
// to the arena's slabs (graph_arena.go).
func (g *Graph) forward(x *tensor.Tensor, trainingOf func(Layer) bool, inference bool) *tensor.Tensor {
	g.mustBeBuilt()
	g.stats.begin()
	g.arena.inference = inference
	defer func() { g.arena.inference = false }()
	clear(g.slabs.refs)
	if !g.folds.keep {
		clear(g.folds.fresh)
	}
	g.beginFusion()
	for i, n := range g.nodes {
		if inference {
			g.pickSlab()
		}
		var y *tensor.Tensor
		folded := false
		start, timed := g.clock.timing(i)
		if inference {
			y, folded = g.inferenceFold(i, x, trainingOf)
		}
		switch {
		case folded:
		case g.fusedActivation(i), g.passPadding(i):
			y = g.tensorOf(n.inputs[0], x)
		default:
			g.prepareFuser(i)
			g.prepareHub(i, inference)
			g.prepareBNAdd(i, inference)
			y = g.call(n, x, trainingOf(n.layer))
		}
		if timed {
			g.clock.forward(i, x.Shape[0], start)
		}
		g.outs[i] = y
		g.stats.observe(i, n.layer, y)
		if inference {
			g.settle(i, y)
		}
	}
	return g.outs[g.outputRef()]
}

// call runs the Forward of node n's layer on its inputs.
func (g *Graph) call(n graphNode, x *tensor.Tensor, training bool) *tensor.Tensor {
	if m, ok := n.layer.(MultiInput); ok {
		g.inputs = g.inputs[:0]
		for _, r := range n.inputs {
			g.inputs = append(g.inputs, g.tensorOf(r, x))
		}
		return m.ForwardInputs(g.inputs, training)
	}
	return n.layer.Forward(g.tensorOf(n.inputs[0], x), training)
}

func (g *Graph) tensorOf(r Ref, x *tensor.Tensor) *tensor.Tensor {
	if r == inputRef {
		return x
	}
	return g.outs[r]
}

// Backward propagates dout = dLoss/doutput through the layer calls in
// reverse order, leaving each layer's parameter gradients in its Params.
// A tensor used by several layers gets the sum of their gradients; every
// layer gets a dy buffer of its own (Backward may overwrite it), which
// lies in one of the arena's gradient slabs when a layer wrote it there
// (graph_grads.go). dout may be overwritten.
func (g *Graph) Backward(dout *tensor.Tensor) {
	g.mustBeBuilt()
	clear(g.pending)
	clear(g.masked)
	gs := &g.arena.grads
	gs.begin()
	defer gs.end()
	g.pending[g.outputRef()] = dout
	need := g.needGrads()
	for i := len(g.nodes) - 1; i >= 0; i-- {
		if !need[i] {
			skipLayer(g.nodes[i].layer)
			continue
		}
		g.fillMasked(i)
		dy := g.pending[i]
		g.backwardNode(i, dy, need)
		gs.called(dy.Data) // dy is read: its slab is free unless a layer passed it on
	}
}

// backwardNode runs node i's Backward on dy and gives its input
// gradients to the tensors that need them.
func (g *Graph) backwardNode(i int, dy *tensor.Tensor, need []bool) {
	n := g.nodes[i]
	start, timed := g.clock.timing(i)
	if m, ok := n.layer.(MultiInput); ok {
		dxs := m.BackwardInputs(dy)
		if timed {
			g.clock.backward(i, dy.Shape[0], n.layer, true, start)
		}
		for k, dx := range dxs {
			if r := n.inputs[k]; r != inputRef && need[r] {
				g.giveMasked(r, dx, maskedOf(m, k))
			}
		}
		return
	}
	r := n.inputs[0]
	needDx := r != inputRef && need[r]
	if g.fusedActivation(i) || g.passedPadding(i) { // its input's layer undoes it, or its reader did its work
		if needDx {
			g.give(r, dy)
		}
		return
	}
	dx := n.layer.Backward(dy, needDx)
	if timed {
		g.clock.backward(i, dy.Shape[0], n.layer, needDx, start)
	}
	if needDx {
		g.give(r, dx)
	}
}

// needGrads marks the nodes Backward runs: those that learn or lie
// downstream of one that does (a frozen base needs no gradient).
func (g *Graph) needGrads() []bool {
	g.need = slices.Grow(g.need[:0], len(g.nodes))[:len(g.nodes)]
	for i, n := range g.nodes {
		g.need[i] = learns(n.layer)
		for _, r := range n.inputs {
			g.need[i] = g.need[i] || (r != inputRef && g.need[r])
		}
	}
	return g.need
}

// give adds a consumer's gradient d to tensor r's. The first one is used
// as it is (it belongs to that consumer alone); each later one gets the
// sum so far added into it (it too is that consumer's alone, and a + b is
// b + a to the bit), which spares the graph a buffer and a copy. Chunks
// run in parallel.
func (g *Graph) give(r Ref, d *tensor.Tensor) {
	if r == inputRef {
		return
	}
	gs := &g.arena.grads
	p := g.pending[r]
	if m := g.masked[r]; m.src != nil { // d + the masked gradient, unwritten in p (batchnorm_add.go)
		g.masked[r] = maskedGrad{}
		m.addTo(d.Data)
		gs.hold(m.src, -1)
	} else if p != nil {
		kernels.ForEachChunk(len(d.Data), elementwiseGrain, func(lo, hi int) {
			kernels.AddTo(d.Data[lo:hi], p.Data[lo:hi])
		})
	}
	if p != nil {
		gs.hold(p.Data, -1)
	}
	g.pending[r] = d
	gs.hold(d.Data, 1)
}

// Gradients runs a training-mode forward pass on x, computes the loss
// against t with per-sample weights w (nil = ones), and back-propagates,
// leaving the gradients in Params. A final softmax (or sigmoid) is fused
// with a matching cross-entropy.
func (g *Graph) Gradients(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32) (float64, *tensor.Tensor) {
	g.mustBeBuilt()
	if s := g.shardCount(x.Shape[0]); s > 1 { // one shard of the batch per thread (graph_shard.go)
		return g.shards.step(g, s, x, t, w, loss, perSample, &g.dout)
	}
	g.shards.ran = 0
	out := g.Forward(x, true)
	g.dout = tensor.Ensure(g.dout, out.Shape...)
	fused := false
	if a, ok := g.nodes[g.outputRef()].layer.(activated); ok {
		fused = loss.fusesWith(a.activationName())
		a.setLogitsGrad(fused)
	}
	v := loss.compute(out, t, w, g.dout, perSample, fused)
	g.Backward(g.dout)
	return v, out
}

// Params lists every weight with its layer, in call order.
func (g *Graph) Params() []LayerParam {
	var ps []LayerParam
	for _, n := range g.nodes {
		for _, p := range n.layer.Params() {
			ps = append(ps, LayerParam{Layer: n.layer, Param: p})
		}
	}
	return ps
}

// CountParams returns the number of trainable and non-trainable scalars.
func (g *Graph) CountParams() (trainable, nonTrainable int) { return countParams(g.Params()) }

func countParams(ps []LayerParam) (trainable, nonTrainable int) {
	for _, p := range ps {
		if p.Trainable {
			trainable += p.Value.Len()
		} else {
			nonTrainable += p.Value.Len()
		}
	}
	return trainable, nonTrainable
}

// CollectStats turns activation statistics on or off for the following
// Forward calls.
func (g *Graph) CollectStats(on bool) { g.stats.on = on }

// Stats returns the statistics of the last Forward made with collection
// on, one per layer call; nil when none was made. The slice is reused.
func (g *Graph) Stats() []ActivationStats { return g.stats.last }

// ForwardFLOPs is the number of floating-point operations of one sample's
// forward pass through the convolutions and dense layers.
func (g *Graph) ForwardFLOPs() int {
	g.mustBeBuilt()
	total := 0
	for _, n := range g.nodes {
		total += layerFLOPs(n.layer)
	}
	return total
}
