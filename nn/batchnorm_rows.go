package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// BatchNormalization's passes over the rows (N·H·W rows of C channels),
// split into blocks of rows that run in parallel. The per-channel sums
// (batch statistics, Backward's Σdy and Σdy·xhat) are summed in float64
// within each block in row order, then the blocks' sums in block order;
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
// a scratch of 3·C float64 of the block's own (zeroed) and returns the
// scratches, block after block.
func (l *BatchNormalization) blocks(rows int, f func(r0, r1 int, s []float64)) (part []float64, nb int) {
	c := l.c
	nb = bnBlocks(rows)
	if need := 3 * nb * c; cap(l.part) < need {
		l.part = make([]float64, need)
	}
	part = l.part[:3*nb*c]
	clear(part)
	kernels.ForEachChunk(nb, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			f(rows*b/nb, rows*(b+1)/nb, part[3*b*c:3*(b+1)*c])
		}
	})
	return part, nb
}

// blockSums runs f on every block of rows, each adding into the first two
// C-long parts of its scratch (the third is free for f), and sets s1 and
// s2 to the sums of the blocks' parts, in block order.
func (l *BatchNormalization) blockSums(rows int, s1, s2 []float64, f func(r0, r1 int, p1, p2, h []float64)) {
	c := l.c
	part, nb := l.blocks(rows, func(r0, r1 int, s []float64) { f(r0, r1, s[:c], s[c:2*c], s[2*c:]) })
	clear(s1)
	clear(s2)
	for b := 0; b < nb; b++ {
		p1, p2 := part[3*b*c:(3*b+1)*c], part[(3*b+1)*c:(3*b+2)*c]
		for j := range s1 {
			s1[j] += p1[j]
			s2[j] += p2[j]
		}
	}
}

// normalize writes y = x*scale + shift (acc[0] and acc[1], per channel)
// for every row, rows in parallel. x and y may be the same slice.
func (l *BatchNormalization) normalize(x, y []float32, rows int) {
	c := l.c
	scale, shift := l.acc[0][:c], l.acc[1][:c]
	kernels.ForEachChunk(rows, max(1, elementwiseGrain/c), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs, ys := x[r*c:(r+1)*c], y[r*c:(r+1)*c]
			for j := range scale {
				ys[j] = float32(float64(xs[j])*scale[j] + shift[j])
			}
		}
	})
}

// batchStats sets mean to the per-channel mean of x's rows and returns
// the sums of squared deviations, in one pass: sums of x - K and of its
// square, K being the first row (shifted data, which keeps the variance
// from cancelling when the mean is large against the spread).
func (l *BatchNormalization) batchStats(x []float32, rows int) (sq []float64) {
	c := l.c
	sum, sq, k := l.acc[0], l.acc[1], l.acc[2][:c]
	for j, v := range x[:c] {
		k[j] = float64(v)
	}
	l.blockSums(rows, sum, sq, func(r0, r1 int, s, q, _ []float64) {
		for r := r0; r < r1; r++ {
			xs := x[r*c : (r+1)*c]
			for j := range k {
				d := float64(xs[j]) - k[j]
				s[j] += d
				q[j] += d * d
			}
		}
	})
	n := float64(rows)
	for j := range sum {
		l.mean[j] = k[j] + sum[j]/n
		sq[j] = max(0, sq[j]-sum[j]*sum[j]/n)
	}
	return sq
}

// xhatRow sets h to the normalized input of the last Forward for one row
// of l.x: as float32, exactly the value Forward's formula rounds to; or,
// when Forward wrote y over x, from y as (y - beta) / gamma.
func (l *BatchNormalization) xhatRow(xs []float32, h []float64) {
	if l.fromY {
		for j, v := range xs {
			h[j] = (float64(v) - l.beta0[j]) * l.invGamma[j]
		}
		return
	}
	for j, v := range xs {
		h[j] = float64(float32((float64(v) - l.mean[j]) * l.invStd[j]))
	}
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
		l.inputGrad(dy.Data, rows)
		return dy
	}
	l.blockSums(rows, sdy, sdyx, func(r0, r1 int, s, q, h []float64) {
		for r := r0; r < r1; r++ {
			ds := dy.Data[r*c : (r+1)*c]
			l.xhatRow(l.x[r*c:(r+1)*c], h)
			for j := range h {
				d := float64(ds[j])
				s[j] += d
				q[j] += d * h[j]
			}
		}
	})
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
		return nil
	}
	l.inputGrad(dy.Data, rows)
	return dy
}

// inputGrad writes dx over dy, given Σdy and Σ(dy*xhat) in acc[0] and
// acc[1]: dx = k*dy in inference, k*(dy - Σdy/M - xhat*Σ(dy*xhat)/M) in
// training, with k = gamma*invStd, the constants per channel. Rows run
// in parallel.
func (l *BatchNormalization) inputGrad(dy []float32, rows int) {
	c := l.c
	m := float64(rows)
	sdy, sdyx, k := l.acc[0][:c], l.acc[1][:c], l.acc[3][:c]
	for j := range k {
		g, _ := l.scaleShift(j)
		k[j] = g * l.invStd[j]
		sdy[j] /= m
		sdyx[j] /= m
	}
	l.blocks(rows, func(r0, r1 int, s []float64) {
		h := s[:c]
		for r := r0; r < r1; r++ {
			ds := dy[r*c : (r+1)*c]
			if !l.training {
				for j := range k {
					ds[j] = float32(k[j] * float64(ds[j]))
				}
				continue
			}
			l.xhatRow(l.x[r*c:(r+1)*c], h)
			for j := range k {
				ds[j] = float32(k[j] * (float64(ds[j]) - sdy[j] - h[j]*sdyx[j]))
			}
		}
	})
}
