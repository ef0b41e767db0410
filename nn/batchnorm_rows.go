package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// BatchNormalization's passes over the rows (N·H·W rows of C channels),
// split into blocks of rows that run in parallel. The per-channel sums
// (batch statistics, Backward's Σdy and Σdy·xhat) are summed within each
// block in row order (the statistics in float64, Backward's sums in
// float64 groups of kernels.SumsGroupRows rows, see kernels.NormSums),
// then the blocks' sums in block order;
// the blocks depend on the number of rows only, so the results do not
// depend on threads or scheduling.

// bnBlockRows is the fewest rows in a block (smaller batches run as one
// block, on the calling goroutine), bnMaxBlocks the most blocks.
const (
	bnBlockRows = 512
	bnMaxBlocks = 32
)

func bnBlocks(rows int) int { return max(1, min(bnMaxBlocks, rows/bnBlockRows)) }

// blocks runs f on every block of rows [r0, r1), blocks in parallel, with
// two C-long float64 parts of the block's own (zeroed), and returns the
// parts, block after block.
func (l *BatchNormalization) blocks(rows int, f func(r0, r1 int, p1, p2 []float64)) (part []float64, nb int) {
	c := l.c
	nb = bnBlocks(rows)
	if need := 2 * nb * c; cap(l.part) < need {
		l.part = make([]float64, need)
	}
	part = l.part[:2*nb*c]
	clear(part)
	kernels.ForEachChunk(nb, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			f(rows*b/nb, rows*(b+1)/nb, part[2*b*c:(2*b+1)*c], part[(2*b+1)*c:(2*b+2)*c])
		}
	})
	return part, nb
}

// blockSums runs kernels.NormSums on every block of rows of x (and dy),
// each into its block's parts, and sets s1 and s2 to the sums of the
// blocks' parts, in block order.
//
// With a fused activation (and dy), each block first turns its rows of dy
// into the gradient before the activation, a cache-sized piece at a
// time, each piece summed right after (NormSums adds rows in order, so
// the pieces give the block's sums to the bit); relu6's gradient runs in
// the kernel that sums (kernels.NormSumsRelu6).
func (l *BatchNormalization) blockSums(rows int, s1, s2, a, b []float64, x, dy []float32, round bool) {
	c := l.c
	act := l.fused.act
	relu6 := dy != nil && act != nil && act.name == "relu6" && round
	part, nb := l.blocks(rows, func(r0, r1 int, p1, p2 []float64) {
		if dy != nil && l.keepOn { // the activation's gradient from the bits, dy not written
			kernels.NormSumsKeep(p1, p2, a, b, x[r0*c:r1*c], dy[r0*c:r1*c], l.keep[r0*c/8:r1*c/8])
			return
		}
		if relu6 { // relu6's gradient and the sums in one kernel
			kernels.NormSumsRelu6(p1, p2, a, b, x[r0*c:r1*c], dy[r0*c:r1*c], l.fused.y[r0*c:r1*c])
			return
		}
		if dy == nil || act == nil {
			var ds []float32
			if dy != nil {
				ds = dy[r0*c : r1*c]
			}
			kernels.NormSums(p1, p2, a, b, x[r0*c:r1*c], ds, round)
			return
		}
		step := max(1, fusePieceValues/c/kernels.SumsGroupRows) * kernels.SumsGroupRows // pieces of whole groups
		for p0 := r0; p0 < r1; p0 += step {
			p1r := min(r1, p0+step)
			ds := dy[p0*c : p1r*c]
			act.backward(ds, l.fused.y[p0*c:p1r*c], nil, c)
			kernels.NormSums(p1, p2, a, b, x[p0*c:p1r*c], ds, round)
		}
	})
	l.addParts(s1, s2, part, nb)
}

// addParts sets s1 and s2 to the sums of the nb blocks' parts (two C-long
// runs per block), in block order.
func (l *BatchNormalization) addParts(s1, s2, part []float64, nb int) {
	c := l.c
	clear(s1)
	clear(s2)
	for blk := 0; blk < nb; blk++ {
		p1, p2 := part[2*blk*c:(2*blk+1)*c], part[(2*blk+1)*c:(2*blk+2)*c]
		for j := range s1 {
			s1[j] += p1[j]
			s2[j] += p2[j]
		}
	}
}

// normalize writes y = x*scale + shift (acc[0] and acc[1], per channel)
// for every row, rows in parallel, and applies a fused activation to y a
// cache-sized piece at a time (relu6 in the same kernel, NormApplyRelu6).
// x and y may be the same slice. In training with relu or relu6 fused and
// a multiple of 8 channels the kernel also keeps the activation's
// gradient as bits (keep; see actKeeps).
func (l *BatchNormalization) normalize(x, y []float32, rows int) {
	l.normalizeKeep(len(x))
	kernels.ForEachChunk(rows, max(1, l.elementGrain()), func(lo, hi int) { l.normalizeRows(x, y, lo, hi) })
}

func (l *BatchNormalization) elementGrain() int { return elementwiseGrain / l.c }

// normalizeKeep sets keepOn for a Forward on n values and makes room for
// the bits.
func (l *BatchNormalization) normalizeKeep(n int) {
	if l.keepOn = l.actKeeps(); l.keepOn && cap(l.keep) < n/8 {
		l.keep = make([]byte, n/8)
	}
}

// normalizeRows is normalize on rows [lo, hi), on the calling goroutine.
func (l *BatchNormalization) normalizeRows(x, y []float32, lo, hi int) {
	c := l.c
	l.normalizeInto(y[lo*c:hi*c], x[lo*c:hi*c], lo)
}

// normalizeInto is normalizeRows into ys, the rows of xs being the rows
// from lo on (whose bits it keeps).
func (l *BatchNormalization) normalizeInto(ys, xs []float32, lo int) {
	c := l.c
	scale, shift := l.acc[0][:c], l.acc[1][:c]
	act := l.fused.act
	switch {
	case act == nil:
		kernels.NormApply(ys, xs, scale, shift)
	case l.keepOn && act.name == "relu6":
		kernels.NormApplyRelu6Keep(ys, xs, scale, shift, l.keep[lo*c/8:(lo*c+len(xs))/8])
	case l.keepOn: // relu
		kernels.NormApplyReluKeep(ys, xs, scale, shift, l.keep[lo*c/8:(lo*c+len(xs))/8])
	case act.name == "relu6": // one kernel (Relu6's bits)
		kernels.NormApplyRelu6(ys, xs, scale, shift)
	default:
		step := max(1, fusePieceValues/c) * c
		for p0 := 0; p0 < len(xs); p0 += step {
			p1 := min(len(xs), p0+step)
			kernels.NormApply(ys[p0:p1], xs[p0:p1], scale, shift)
			act.forward(ys[p0:p1], ys[p0:p1], c)
		}
	}
}

// actKeeps reports whether a Forward keeps its fused activation's
// gradient as bits: in training, with relu or relu6 fused and a multiple
// of 8 channels (a row's bits start on a byte). Backward's two passes
// then read the bits (kernels.NormSumsKeep, NormGradKeep) instead of the
// activation's output and dy is not written between them: the same bits
// as applying the activation's gradient to dy first. The bits (a 32nd of
// the output's bytes) are not in the memory estimate, which counts the
// fused Activation's own output buffer that the fusion saves.
func (l *BatchNormalization) actKeeps() bool {
	a := l.fused.act
	return l.training && a != nil && (a.name == "relu6" || a.name == "relu") && l.c%8 == 0 && !l.noKeep
}

// batchStats sets mean to the per-channel mean of x's rows and returns
// the sums of squared deviations, in one pass: sums of x - K and of its
// square, K being the first row (shifted data, which keeps the variance
// from cancelling when the mean is large against the spread). In a
// sharded step these are the whole batch's (batchnorm_sync.go); all is
// the rows they are over.
func (l *BatchNormalization) batchStats(x []float32, rows int) (sq []float64, all int) {
	c := l.c
	sum, sq, k := l.acc[0], l.acc[1], l.acc[2][:c]
	for j, v := range x[:c] {
		k[j] = float64(v)
	}
	if !l.hub.statsIn(x) {
		l.blockSums(rows, sum, sq, k, nil, x, nil, false) // b nil: x - K
	} else { // the depthwise convolution before summed the blocks (batchnorm_hub.go)
		l.addParts(sum, sq, l.part, l.hub.blocks)
	}
	l.dz.keepStats(k, sum, rows)
	all = rows
	if l.sync != nil {
		all = l.sync.syncStats(k, sum, sq, rows)
	}
	n := float64(all)
	for j := range sum {
		l.mean[j] = k[j] + sum[j]/n
		sq[j] = max(0, sq[j]-sum[j]*sum[j]/n)
	}
	return sq, all
}

// xhatConsts returns how xhat is recomputed from l.x: (x - a)·b with
// round set, or, when Forward wrote y over x, (y - beta) / gamma with
// round clear (Backward's kernels take round and do not use it).
func (l *BatchNormalization) xhatConsts() (a, b []float64, round bool) {
	if l.fromY {
		return l.beta0, l.invGamma, false
	}
	return l.mean, l.invStd, true
}

// Backward: dgamma = Σ dy*xhat, dbeta = Σ dy, and in training
// dx = gamma*invStd/M * (M*dy - Σdy - xhat*Σ(dy*xhat)) over the M rows;
// in inference dx = gamma*invStd*dy. xhat is recomputed from the input,
// and dx is written over dy (which it returns). Frozen gamma and beta get
// no gradient, and a frozen layer (inference mode) computes no sums.
func (l *BatchNormalization) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	c := l.c
	rows := len(dy.Data) / c
	sdy, sdyx := l.acc[0], l.acc[1]
	gammaLearns, betaLearns := !skipGrad(l.gamma), !skipGrad(l.beta)
	if !l.training && !gammaLearns && !betaLearns { // frozen: dx needs no sums
		if !needDx {
			return nil
		}
		l.fused.backward(dy.Data, c)
		l.inputGrad(dy.Data, rows, rows)
		return dy
	}
	a, b, round := l.xhatConsts()
	if l.hub.sumsIn(dy.Data) { // the depthwise convolution after summed the blocks (batchnorm_hub.go)
		l.addParts(sdy, sdyx, l.part, l.hub.blocks)
	} else {
		l.blockSums(rows, sdy, sdyx, a, b, l.x, dy.Data, round)
	}
	l.dz.keepGrad(sdy)
	all := rows
	if l.sync != nil {
		all = l.sync.syncSums(sdy, sdyx, rows)
	}
	if gammaLearns {
		for j := range sdyx {
			l.gamma.Grad.Data[j] = float32(sdyx[j])
		}
	}
	if betaLearns {
		for j := range sdy {
			l.beta.Grad.Data[j] = float32(sdy[j])
		}
	}
	if !needDx {
		l.gradAside = false
		return nil
	}
	if l.hub.leavesGrad() { // the convolution before runs it sample by sample or tile by tile (batchnorm_hub.go)
		l.gradConsts(all)
		l.hub.gradPending = dy.Data
		return dy
	}
	l.inputGrad(dy.Data, rows, all)
	if l.gradAside { // dx went to gradOut (gradRows)
		l.gradAside = false
		return l.gradOut()
	}
	return dy
}

// inputGrad writes dx over dy, given Σdy and Σ(dy*xhat) in acc[0] and
// acc[1]: dx = k*dy in inference, k*(dy - Σdy/M - xhat*Σ(dy*xhat)/M) in
// training, with k = gamma*invStd, the constants per channel. Rows run
// in parallel; the means are over all rows (the whole batch's in a
// sharded step).
func (l *BatchNormalization) inputGrad(dy []float32, rows, all int) {
	l.gradConsts(all)
	kernels.ForEachChunk(rows, max(1, l.elementGrain()), func(lo, hi int) { l.gradRows(dy, lo, hi) })
}

// gradConsts turns Σdy and Σ(dy*xhat) in acc[0] and acc[1] into their
// means over the rows and sets k = gamma*invStd in acc[3].
func (l *BatchNormalization) gradConsts(rows int) {
	c := l.c
	m := float64(rows)
	sdy, sdyx, k := l.acc[0][:c], l.acc[1][:c], l.acc[3][:c]
	for j := range k {
		g, _ := l.scaleShift(j)
		k[j] = g * l.invStd[j]
		sdy[j] /= m
		sdyx[j] /= m
	}
}

// gradRows is inputGrad on rows [lo, hi), after gradConsts, on the
// calling goroutine.
func (l *BatchNormalization) gradRows(dy []float32, lo, hi int) {
	c := l.c
	sdy, sdyx, k := l.acc[0][:c], l.acc[1][:c], l.acc[3][:c]
	a, b, round := l.xhatConsts()
	ds := dy[lo*c : hi*c]
	if l.training && l.keepOn && l.gradAside { // dy left for the Add's other operand (batchnorm_add.go)
		kernels.NormGradKeepTo(l.gradOut().Data[lo*c:hi*c], ds, l.x[lo*c:hi*c], a, b, k, sdy, sdyx, l.keep[lo*c/8:hi*c/8])
		return
	}
	if l.training && l.keepOn { // dy still holds the gradient at the activation's output
		kernels.NormGradKeep(ds, l.x[lo*c:hi*c], a, b, k, sdy, sdyx, l.keep[lo*c/8:hi*c/8])
		return
	}
	if l.training {
		kernels.NormGrad(ds, l.x[lo*c:hi*c], a, b, k, sdy, sdyx, round)
		return
	}
	for i, d := range ds {
		ds[i] = float32(k[i%c] * float64(d))
	}
}
