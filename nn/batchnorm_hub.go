package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
)

// A BatchNormalization next to a DepthwiseConv2D in a Graph's training
// step lets the convolution run some of its passes sample by sample, on
// the task that convolves the sample, while the sample is in the cache
// (graph_hub.go pairs them): MobileNetV2's expand_BN -> relu6 -> [pad] ->
// depthwise -> depthwise_BN.
//
//   - before the convolution (its output, through its fused activation,
//     read by the convolution alone): Forward leaves its output to the
//     convolution, which applies it to each sample just before convolving
//     it (hubApply); Backward's sums come from the convolution, which
//     adds each sample's block right after writing its input gradient
//     (hubSums).
//   - after it (reading its output alone): Forward's batch statistics
//     come from the convolution, each sample's block summed right after
//     its output (hubStats; sample 0 first, whose first row is the shift
//     K); Backward leaves the input gradient to the convolution, which
//     runs it on each sample just before reading it (hubGrad).
//
// The passes are the same kernels on the same rows: the same bits. The
// sums take the blocks of rows their own passes take (batchnorm_rows.go),
// so they move only where every block lies in one sample (the block
// count a multiple of the batch: MobileNetV2's 48×48 and 24×24 layers at
// batch 32, 32×32 ones up to batch 16); the elementwise passes move
// whatever the shape.
type bnHub struct {
	applyOut bool // plan: a depthwise convolution alone reads the output through the fused activation
	gradOut  bool // plan: it reads a depthwise convolution's output alone
	gradConv bool // plan: it reads a pointwise Conv2D's output alone, which may run its input gradient (conv2d_pointwise.go)
	sumsConv bool // plan: a pointwise Conv2D alone reads its output through the fused activation and runs its Backward sums
	on       bool // this Forward, and the Backward after it, run the passes in the convolution

	applyPending bool      // Forward left its output to the convolution
	virtual      bool      // and the convolution never wrote it (hubApply)
	noVirtual    bool      // always write it (A/B benchmarks only)
	statsX       []float32 // the input whose statistics' blocks the convolution summed into part
	sumsDy       []float32 // the gradient whose Backward sums' blocks the convolution summed into part
	gradPending  []float32 // the gradient whose input gradient Backward left to the convolution
	blocks, rows int       // the blocks summed into part, of so many rows
	ran          hubPasses // the passes a convolution ran for it, ever (tests clear it)
}

// hubPasses are bits of the passes a convolution ran for the layer.
type hubPasses uint8

const (
	ranApply hubPasses = 1 << iota
	ranStats
	ranSums
	ranGrad
	ranConvGrad // the input gradient, by the pointwise Conv2D before it
	ranConvSums // Backward's sums, by the pointwise Conv2D after it
)

// statsIn reports whether the convolution summed the statistics' blocks
// of x, and forgets them.
func (h *bnHub) statsIn(x []float32) bool {
	ok := sameData(h.statsX, x)
	h.statsX = nil
	return ok
}

// sumsIn reports whether the convolution summed Backward's blocks of dy,
// and forgets them.
func (h *bnHub) sumsIn(dy []float32) bool {
	ok := sameData(h.sumsDy, dy)
	h.sumsDy = nil
	return ok
}

func sameData(a, b []float32) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// deferApply reports whether Forward leaves its output to the
// convolution after it (setting keepOn and the bits' room as normalize
// would).
func (l *BatchNormalization) deferApply(n int) bool {
	if !l.hub.applyOut || !l.hub.on || l.fused.act == nil {
		return false
	}
	l.normalizeKeep(n)
	l.hub.applyPending = true
	return true
}

// hubApply returns the pass that writes sample b's output (per rows a
// sample) when Forward left it to the caller, nil otherwise. In training
// with the bits kept, the output is the convolution's input alone: the
// pass writes it into the task's scratch and returns that, and the
// layer's output is never written (its values are computed again for
// the convolution's Backward, hubInput).
func (l *BatchNormalization) hubApply(per int) func(b int, s *kernels.TaskScratch) []float32 {
	if !l.hub.applyPending {
		return nil
	}
	l.hub.applyPending = false
	l.hub.ran |= ranApply
	l.hub.virtual = l.training && l.keepOn && !l.hub.noVirtual
	if l.hub.virtual {
		return l.hubInput(per, false)
	}
	return func(b int, _ *kernels.TaskScratch) []float32 {
		l.normalizeRows(l.x, l.fused.y, b*per, (b+1)*per)
		return nil
	}
}

// hubInput returns the pass that writes sample b's output (per rows)
// into the task's scratch and returns it: in Forward (with the bits), and
// again in the convolution's Backward where the output was not written
// (again: the bits are kept already, the kernel without them gives the
// same output).
func (l *BatchNormalization) hubInput(per int, again bool) func(b int, s *kernels.TaskScratch) []float32 {
	c := l.c
	return func(b int, s *kernels.TaskScratch) []float32 {
		ys, xs := s.Buf(0, per*c)[:per*c], l.x[b*per*c:(b+1)*per*c]
		switch {
		case !again:
			l.normalizeInto(ys, xs, b*per)
		case l.fused.act.name == "relu6":
			kernels.NormApplyRelu6(ys, xs, l.acc[0][:c], l.acc[1][:c])
		default: // relu: NormApplyReluKeep's output is NormApply's with Relu after it
			kernels.NormApply(ys, xs, l.acc[0][:c], l.acc[1][:c])
			l.fused.act.forward(ys, ys, c)
		}
		return ys
	}
}

// hubRecompute returns hubInput for the convolution's Backward when the
// last Forward did not write the output, nil otherwise.
func (l *BatchNormalization) hubRecompute(per int) func(b int, s *kernels.TaskScratch) []float32 {
	if !l.hub.virtual || !l.hub.on {
		return nil
	}
	return l.hubInput(per, true)
}

// sampleBlocks reports whether every block of the rows of n samples of
// per rows lies in one sample (the same number in each: the block count
// a multiple of n), and makes room for their parts.
func (l *BatchNormalization) sampleBlocks(n, per int) bool {
	nb := bnBlocks(n * per)
	if n <= 0 || nb%n != 0 {
		return false
	}
	if need := 2 * nb * l.c; cap(l.part) < need {
		l.part = make([]float64, need)
	}
	l.hub.blocks, l.hub.rows = nb, n*per
	return true
}

// eachBlock calls f with the rows [r0, r1) and the zeroed parts of every
// block of sample s, in order (after sampleBlocks).
func (l *BatchNormalization) eachBlock(s, n int, f func(r0, r1 int, p1, p2 []float64)) {
	c, nb, rows := l.c, l.hub.blocks, l.hub.rows
	k := nb / n
	for b := s * k; b < (s+1)*k; b++ {
		p1, p2 := l.part[2*b*c:(2*b+1)*c], l.part[(2*b+1)*c:(2*b+2)*c]
		clear(p1)
		clear(p2)
		f(rows*b/nb, rows*(b+1)/nb, p1, p2)
	}
}

// hubStats returns the pass that sums the batch statistics' blocks of
// sample s of x (n samples of per rows, the layer's next Forward input),
// to be run on sample 0 before any other; nil where the blocks do not
// lie in samples.
func (l *BatchNormalization) hubStats(x []float32, n, per int) func(b int) {
	if !l.hub.gradOut || !l.hub.on || l.frozen() || !l.sampleBlocks(n, per) {
		return nil
	}
	l.hub.statsX = x
	l.hub.ran |= ranStats
	c := l.c
	k := l.acc[2][:c]
	return func(s int) {
		if s == 0 {
			for j, v := range x[:c] {
				k[j] = float64(v)
			}
		}
		l.eachBlock(s, n, func(r0, r1 int, p1, p2 []float64) {
			kernels.NormSums(p1, p2, k, nil, x[r0*c:r1*c], nil, false)
		})
	}
}

// hubSums returns the pass that sums Backward's blocks of sample s of dy
// (n samples of per rows, the gradient the next Backward gets) once the
// caller has written it; nil unless the last Forward trained with the
// activation's bits kept and the blocks lie in samples.
func (l *BatchNormalization) hubSums(dy []float32, n, per int) func(b int) {
	if !l.hub.applyOut || !l.hub.on || !l.training || !l.keepOn || len(dy) != len(l.x) || !l.sampleBlocks(n, per) {
		return nil
	}
	l.hub.sumsDy = dy
	l.hub.ran |= ranSums
	c := l.c
	a, bb, _ := l.xhatConsts()
	return func(s int) {
		l.eachBlock(s, n, func(r0, r1 int, p1, p2 []float64) {
			kernels.NormSumsKeep(p1, p2, a, bb, l.x[r0*c:r1*c], dy[r0*c:r1*c], l.keep[r0*c/8:r1*c/8])
		})
	}
}

// hubGrad returns the pass that writes the input gradient over sample b
// of dy (per rows a sample) when Backward left it to the caller, nil
// otherwise.
func (l *BatchNormalization) hubGrad(dy []float32, per int) func(b int) {
	if !sameData(l.hub.gradPending, dy) {
		return nil
	}
	l.hub.gradPending = nil
	l.hub.ran |= ranGrad
	return func(b int) { l.gradRows(dy, b*per, (b+1)*per) }
}

// leavesGrad reports whether Backward leaves its input gradient to the
// layer before it (a depthwise or pointwise convolution).
func (h *bnHub) leavesGrad() bool { return (h.gradOut || h.gradConv) && h.on }

// takeGrad reports whether Backward left the input gradient over dy to
// the pointwise convolution before it, and forgets it: the convolution
// then runs gradRows on every row of dy, or runGrad.
func (l *BatchNormalization) takeGrad(dy []float32) bool {
	if !l.hub.gradConv || !sameData(l.hub.gradPending, dy) {
		return false
	}
	l.hub.gradPending = nil
	l.hub.ran |= ranConvGrad
	return true
}

// runGrad is the input gradient over dy (left by Backward), rows in
// parallel.
func (l *BatchNormalization) runGrad(dy []float32) {
	kernels.ForEachChunk(len(dy)/l.c, max(1, l.elementGrain()), func(lo, hi int) { l.gradRows(dy, lo, hi) })
}

// convSums returns the pass that sums rows [r0, r1) of dy, the gradient
// the next Backward gets, into Backward's parts of their block b (of
// bnBlocks, as blockSums sums them; a block's rows in order, from its
// first) once the pointwise convolution after the layer has written
// them; nil unless the last Forward trained with the activation's bits
// kept.
func (l *BatchNormalization) convSums(dy []float32) func(b, r0, r1 int) {
	if !l.hub.sumsConv || !l.hub.on || !l.training || !l.keepOn || len(dy) != len(l.x) {
		return nil
	}
	c := l.c
	l.rowBlocks(len(dy) / c)
	l.hub.sumsDy = dy
	l.hub.ran |= ranConvSums
	a, bb, _ := l.xhatConsts()
	return func(b, r0, r1 int) {
		p1, p2 := l.blockParts(b, r0)
		kernels.NormSumsKeep(p1, p2, a, bb, l.x[r0*c:r1*c], dy[r0*c:r1*c], l.keep[r0*c/8:r1*c/8])
	}
}

// rowBlocks makes room for the parts of the bnBlocks blocks of rows.
func (l *BatchNormalization) rowBlocks(rows int) {
	nb := bnBlocks(rows)
	if need := 2 * nb * l.c; cap(l.part) < need {
		l.part = make([]float64, need)
	}
	l.hub.blocks, l.hub.rows = nb, rows
}

// blockParts returns block b's parts (after rowBlocks), zeroed when r0
// is the block's first row.
func (l *BatchNormalization) blockParts(b, r0 int) (p1, p2 []float64) {
	c := l.c
	p1, p2 = l.part[2*b*c:(2*b+1)*c], l.part[(2*b+1)*c:(2*b+2)*c]
	if r0 == l.hub.rows*b/l.hub.blocks {
		clear(p1)
		clear(p2)
	}
	return p1, p2
}

// beforeHook is the Before hook of the passes before a sample's work:
// grad (nil: none) on its dz, then input (nil: none) for its x.
func beforeHook(grad func(b int), input func(b int, s *kernels.TaskScratch) []float32) func(b int, s *kernels.TaskScratch) []float32 {
	switch {
	case grad == nil:
		return input
	case input == nil:
		return func(b int, _ *kernels.TaskScratch) []float32 { grad(b); return nil }
	}
	return func(b int, s *kernels.TaskScratch) []float32 {
		grad(b)
		return input(b, s)
	}
}

// begin starts a Forward: nothing left from the last one.
func (h *bnHub) begin() {
	h.applyPending, h.virtual = false, false
	h.gradPending, h.sumsDy = nil, nil
}
