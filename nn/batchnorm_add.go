package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// In a Graph's training step, a BatchNormalization whose only reader is a
// residual Add of two tensors with relu fused after it (resnet's
// conv-BN-Add-relu) leaves its output to the Add: the Add writes
// relu(BN(x) + r) in one pass (kernels.NormApplyAddReluKeep) and the
// BatchNormalization keeps relu's gradient as bits, as with relu fused
// after it. Its output is never written. In Backward the Add hands dy
// unmasked to the BatchNormalization, whose passes read the bits
// (NormSumsKeep, NormGradKeepTo: the input gradient written over its
// input when the layer before does without it, else into its unwritten
// output, so that dy stays), and to the other operand dy masked by the
// bits, unwritten: the Graph adds it, masked, to that tensor's other
// gradient (kernels.AddKept) or writes the copy (kernels.CopyKept) when
// that tensor's layer needs it first (resnet's 1x1 shortcuts). The
// results are the bits of the passes apart: NormApply, Add2Relu;
// ReluGrad, a copy, NormSums, NormGrad, AddTo. Each block's tail saves
// the BatchNormalization's output written and read again in Forward, and
// relu's gradient (reading the Add's output, writing dy) and the copy in
// Backward.

// planBNAdds pairs each Add of two inputs whose relu is fused (f) with an
// operand that is a BatchNormalization read by it alone, without a fused
// activation of its own and not paired with a depthwise convolution.
func (g *Graph) planBNAdds(f *graphFusion, readers []int) {
	for _, n := range g.nodes {
		switch l := n.layer.(type) {
		case *Add:
			l.bn = nil
		case *BatchNormalization:
			l.toAdd = false
		}
	}
	for i, n := range g.nodes {
		add, ok := n.layer.(*Add)
		if !ok || len(n.inputs) != 2 || !add.plain() || f.act[i] < 0 || g.nodes[f.act[i]].layer.(*Activation).act.name != "relu" {
			continue
		}
		for side, r := range n.inputs {
			if r < 0 || readers[r] != 1 || Ref(r) == g.outputRef() || f.act[r] >= 0 {
				continue
			}
			if bn, ok := g.nodes[r].layer.(*BatchNormalization); ok && !bn.hub.applyOut && !bn.hub.gradOut && !bn.noKeep {
				add.bn, add.bnSide, bn.toAdd = bn, side, true
				bn.dxOverX = g.losesOutput(g.nodes[r].inputs[0], readers)
				break
			}
		}
	}
}

// losesOutput reports whether node r's output, read by one layer call
// alone, may be overwritten once that reader's Backward has read it: r is
// a Conv2D or Dense without activation, whose Backward does not read its
// output.
func (g *Graph) losesOutput(r Ref, readers []int) bool {
	if r < 0 || readers[r] != 1 || r == g.outputRef() {
		return false
	}
	o, ok := g.nodes[r].layer.(outputReleaser)
	if !ok {
		return false
	}
	a, err := lookupActivation(o.activationConfig())
	return err == nil && a.name == "linear"
}

// gradOut returns where Backward writes the input gradient when the Add
// asked it to leave dy (gradAside): over its input when the layer before
// does without it (dxOverX), else into its output's buffer, which the
// Add's Forward did not write.
func (l *BatchNormalization) gradOut() *tensor.Tensor {
	if l.dxOverX {
		return l.xt
	}
	return l.y
}

// prepareBNAdd tells node i's layer, about to run, whether this Forward
// leaves its output to the Add after it: a training Forward that fuses.
func (g *Graph) prepareBNAdd(i int, inference bool) {
	if l, ok := g.nodes[i].layer.(*BatchNormalization); ok {
		l.addOn = l.toAdd && g.fusion.on && !inference
	}
}

// deferToAdd reports whether Forward leaves its output to the Add after
// it (training, channels a multiple of 8), and then makes room for the
// bits and sets keepOn.
func (l *BatchNormalization) deferToAdd(n int) bool {
	if !l.addOn || !l.training || l.fused.act != nil || l.c%8 != 0 {
		return false
	}
	if cap(l.keep) < n/8 {
		l.keep = make([]byte, n/8)
	}
	l.keepOn, l.addPending = true, true
	return true
}

// applyAdd writes relu(BN(x) + r) into y and keeps relu's bits: the Add's
// Forward, when the last Forward left its output to it. Rows in parallel.
func (l *BatchNormalization) applyAdd(y, r []float32) {
	l.addPending = false
	c := l.c
	scale, shift := l.acc[0][:c], l.acc[1][:c]
	kernels.ForEachChunk(len(l.x)/c, max(1, l.elementGrain()), func(lo, hi int) {
		kernels.NormApplyAddReluKeep(y[lo*c:hi*c], l.x[lo*c:hi*c], r[lo*c:hi*c], scale, shift, l.keep[lo*c/8:hi*c/8])
	})
}

// finishApply writes the output the last Forward left to the Add, as
// Forward would have (for an Add that cannot take it over).
func (l *BatchNormalization) finishApply() {
	l.addPending = false
	l.normalize(l.x, l.fused.y, len(l.x)/l.c)
}

// forwardBN is the Add's Forward of its two operands when the
// BatchNormalization operand left its output to it: true when it did.
func (l *Add) forwardBN(xs []*tensor.Tensor, y *tensor.Tensor) bool {
	l.bnRan = false
	if l.bn == nil || !l.bn.addPending {
		return false
	}
	if l.fused.act == nil || l.fused.act.name != "relu" || len(xs) != 2 {
		l.bn.finishApply()
		return false
	}
	l.bn.applyAdd(y.Data, xs[1-l.bnSide].Data)
	l.bnRan = true
	return true
}

// backwardBN is BackwardInputs after forwardBN: dy, unmasked, to the
// BatchNormalization (its passes read the bits; it writes its input
// gradient into a buffer of its own, leaving dy), and to the other
// operand a buffer of the Add's own that the Graph fills with dy masked
// by the bits only when it needs it (maskedOf): a second gradient of
// that tensor adds the masked dy instead (kernels.AddKept).
func (l *Add) backwardBN(dy *tensor.Tensor, n int) []*tensor.Tensor {
	o := 1 - l.bnSide
	l.dxs[o] = l.gradCopy(o, dy, n)
	l.dxs[l.bnSide] = dy
	m := maskedGrad{src: dy.Data, keep: l.bn.keep}
	if l.eagerMask { // the copy written now (A/B benchmarks only)
		m.fill(l.dxs[o].Data)
		return l.dxs
	}
	l.bn.gradAside = true
	l.maskSrc = dy.Data
	return l.dxs
}

// maskedGrad says how a gradient buffer is to be filled: with src masked
// by relu's bits keep (kernels.CopyKept); nothing when src is nil.
type maskedGrad struct {
	src  []float32
	keep []byte
}

// maskedOf returns how the gradient BackwardInputs just returned for
// input k of m is to be filled, when m left it unwritten.
func maskedOf(m MultiInput, k int) maskedGrad {
	if a, ok := m.(*Add); ok && a.bnRan && !a.eagerMask && k != a.bnSide {
		return maskedGrad{src: a.maskSrc, keep: a.bn.keep}
	}
	return maskedGrad{}
}

// fill writes the masked gradient into d, chunks in parallel.
func (m maskedGrad) fill(d []float32) {
	kernels.ForEachChunk((len(d)+63)/64, elementwiseGrain/64, func(lo, hi int) {
		lo, hi = lo*64, min(len(d), hi*64)
		kernels.CopyKept(d[lo:hi], m.src[lo:hi], m.keep[lo/8:(hi+7)/8])
	})
}

// addTo adds the masked gradient to d, chunks in parallel.
func (m maskedGrad) addTo(d []float32) {
	kernels.ForEachChunk((len(d)+63)/64, elementwiseGrain/64, func(lo, hi int) {
		lo, hi = lo*64, min(len(d), hi*64)
		kernels.AddKept(d[lo:hi], m.src[lo:hi], m.keep[lo/8:(hi+7)/8])
	})
}

// giveMasked is give for a consumer's gradient d that is to be filled as
// m says (give when m is empty): the first one waits unwritten in
// pending (a later give adds the masked gradient to its own, fillMasked
// writes it when the tensor's layer needs it); a later one is added,
// masked, to the sum so far.
func (g *Graph) giveMasked(r Ref, d *tensor.Tensor, m maskedGrad) {
	switch {
	case m.src == nil:
		g.give(r, d)
	case r == inputRef:
	case g.pending[r] == nil:
		g.pending[r], g.masked[r] = d, m
		g.arena.grads.hold(d.Data, 1)
		g.arena.grads.hold(m.src, 1)
	default:
		g.fillMasked(int(r))
		m.addTo(g.pending[r].Data)
	}
}

// fillMasked writes node i's pending gradient where it waits unwritten.
func (g *Graph) fillMasked(i int) {
	if m := g.masked[i]; m.src != nil {
		g.masked[i] = maskedGrad{}
		m.fill(g.pending[i].Data)
		g.arena.grads.hold(m.src, -1)
	}
}

// readerCounts returns how many layer calls read each node's output.
func (g *Graph) readerCounts() []int {
	readers := make([]int, len(g.nodes))
	for _, n := range g.nodes {
		for _, r := range n.inputs {
			if r >= 0 {
				readers[r]++
			}
		}
	}
	return readers
}
