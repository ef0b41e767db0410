package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
)

// A 1x1 stride-1 Conv2D without bias or activation (MobileNetV2's expand
// and project convolutions, Conv_1) over at least pointwiseTileMinRows
// rows runs its Backward on tiles of rows, whole tiles per task: the
// blocks of rows a BatchNormalization over those rows takes (bnBlocks),
// each a step of rows at a time (pointwiseStep), so that the
// BatchNormalizations next to it run their Backward passes on a step
// while it is in the cache (a Graph pairs them, graph_hub.go):
//
//   - the one that alone reads its output (gradBN): its input gradient
//     (gradRows) on the step's rows of dy just before the step's
//     products read them.
//   - the one whose output, through its fused activation, it alone reads
//     (sumsBN): its Backward sums on the step's rows of dx right after
//     they are written, into their block's parts.
//
// (Forward computing gradBN's statistics the same way, right after each
// step's product, measured slower than the whole-matrix product and the
// layer's own pass: not done.)
//
// The passes are the BatchNormalizations' own kernels on their own blocks:
// the same bits as without them. Backward computes a tile's kernel
// gradient into a slot of its own (pieces of at most ReductionMaxPiece
// rows from the tile's start, each in Sgemm's k-blocks, added in order),
// then adds the slots in tile order: the tiles depend on the number of
// rows only, so the bits depend neither on threads nor on the pairing.
// Each row of y and of dx is its own product. Fewer rows run the
// whole-matrix products, which split over threads inside Sgemm (a
// graph's layers at 6×6 and smaller).

// pointwiseTileMinRows is the fewest rows that run on tiles.
const pointwiseTileMinRows = 4 * bnBlockRows

// pointwiseTiled reports whether Backward runs on tiles.
func (l *Conv2D) pointwiseTiled() bool {
	return l.pointwise() && !l.legacy && l.bias == nil && l.act.name == "linear" && !l.logitsGrad &&
		l.geom.Rows() >= pointwiseTileMinRows
}

// pointwiseBackward is Backward of a pointwise convolution when it runs
// on tiles (it reports whether it did): dz the gradient at the output,
// or before gradBN when that layer left its input gradient to the
// convolution (which runs it on the whole of dz when the convolution
// does not tile).
func (l *Conv2D) pointwiseBackward(dz, dx []float32) bool {
	bn := l.gradBN
	if bn != nil && !bn.takeGrad(dz) {
		bn = nil
	}
	if !l.pointwiseTiled() {
		if bn != nil {
			bn.runGrad(dz)
		}
		return false
	}
	var sums func(b, r0, r1 int)
	if l.sumsBN != nil && dx != nil {
		sums = l.sumsBN.convSums(dx)
	}
	learn := !skipGrad(l.kernel)
	if dx != nil {
		l.transposeKernel()
	}
	m := l.geom.Rows()
	nb, slot := bnBlocks(m), l.geom.Cols()*l.units()
	wave := nb
	if learn {
		wave = max(1, gradSlotBytes/(4*slot))
	}
	grad := l.kernel.Grad.Data
	for t0 := 0; t0 < nb; t0 += wave {
		t1 := min(nb, t0+wave)
		if learn {
			l.gradSlots = growSlice(l.gradSlots, (t1-t0)*slot)
		}
		kernels.ForEachTask(t1-t0, func(i int, _ *kernels.TaskScratch) {
			var sl []float32
			if learn {
				sl = l.gradSlots[i*slot : (i+1)*slot]
			}
			l.backwardTile(t0+i, nb, bn, sums, dz, dx, sl)
		})
		for b := t0; learn && b < t1; b++ {
			if sl := l.gradSlots[(b-t0)*slot : (b-t0+1)*slot]; b == 0 {
				copy(grad, sl)
			} else {
				kernels.AddTo(grad, sl)
			}
		}
	}
	return true
}

// backwardTile runs tile b of nb on the calling goroutine, a step of rows
// at a time: bn's input gradient on its rows of dz (bn nil: none), its
// kernel-gradient blocks into slot (nil: none), its rows of dx and sums'
// pass on them (nil: none).
func (l *Conv2D) backwardTile(b, nb int, bn *BatchNormalization, sums func(b, r0, r1 int), dz, dx, slot []float32) {
	k, units, m := l.geom.Cols(), l.units(), l.geom.Rows()
	start, end := m*b/nb, m*(b+1)/nb
	var buf [16][2]int
	blocks := buf[:0]
	for p0 := start; p0 < end; p0 += kernels.ReductionMaxPiece {
		blocks = l.gradBlocks(p0, min(end, p0+kernels.ReductionMaxPiece), blocks)
	}
	var beta float32
	step := l.pointwiseStep()
	for r0 := start; r0 < end; r0 += step {
		r1 := min(end, r0+step)
		if bn != nil {
			bn.gradRows(dz, r0, r1)
		}
		for ; slot != nil && len(blocks) > 0 && blocks[0][1] <= r1; blocks = blocks[1:] {
			b0, b1 := blocks[0][0], blocks[0][1]
			kernelGradBlock(k, units, b1-b0, l.x[b0*k:b1*k], dz[b0*units:b1*units], beta, slot)
			beta = 1
		}
		if dx != nil {
			kernels.SgemmSerial(false, false, r1-r0, k, units, 1, dz[r0*units:r1*units], units, l.kernelT, k, 0, dx[r0*k:r1*k], k)
			if sums != nil {
				sums(b, r0, r1)
			}
		}
	}
}

// pointwiseStep is the rows a tile's passes take at a time: a multiple
// of kernels.ReductionStep (so that the kernel gradient's blocks, cut from
// the tile's start, lie in one step) whose wider side (dz or x) holds
// about convTileBytes, at most ReductionMaxPiece.
func (l *Conv2D) pointwiseStep() int {
	const step = kernels.ReductionStep
	wide := max(l.geom.Cols(), l.units())
	return min(kernels.ReductionMaxPiece, max(step, convTileBytes/(4*wide)/step*step))
}

// kernelGradBlock sets (beta 0) or adds to (beta 1) dk (k × n) the
// product xᵀ·dz of a block of rows (x: rows × k, dz: rows × n), its
// columns in two products: a multiple of 32, then the rest, which a
// 16-wide micro-kernel reads in place where it is 16 (48, 144 and 336
// filters: one product would copy the last 16 columns of each block of
// dz into a panel padded to 32).
func kernelGradBlock(k, n, rows int, x, dz []float32, beta float32, dk []float32) {
	n32 := n / 32 * 32
	if n32 > 0 && n32 < n {
		kernels.SgemmSerial(true, false, k, n32, rows, 1, x, k, dz, n, beta, dk, n)
		kernels.SgemmSerial(true, false, k, n-n32, rows, 1, x, k, dz[n32:], n, beta, dk[n32:], n)
		return
	}
	kernels.SgemmSerial(true, false, k, n, rows, 1, x, k, dz, n, beta, dk, n)
}
