package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
)

// The Backward of a 1x1 stride-1 Conv2D without bias or activation
// (MobileNetV2's expand and project convolutions, Conv_1) over at least
// pointwiseTileMinRows rows runs tile by tile, whole tiles per task: a
// tile's kernel-gradient blocks, then its rows of dx, while its rows of
// dz are in the cache (the whole-matrix products read dz from memory
// twice: 28 MB each for MobileNetV2-0.35's block_1_expand at 96×96,
// batch 32). When the BatchNormalization that alone reads the output
// left its input gradient to the convolution (a Graph's training step,
// graph_hub.go), the tile first turns its rows of dy into dz
// (gradRows), which saves that pass over the tensor; the same values.
// The kernel gradient is summed as a parallel im2col Backward sums it
// (gradBlocks: blocks in row order, each from zero, slots added in
// order), the same bits for any tile size and thread count; each row of
// dx is its own product. Fewer rows run the whole-matrix products, which
// split over threads inside Sgemm (a graph's layers at 6×6 and smaller).

// pointwiseTileMinRows is the fewest rows Backward tiles.
const pointwiseTileMinRows = 4 * kernels.ReductionStep

// pointwiseTiled reports whether Backward runs tile by tile.
func (l *Conv2D) pointwiseTiled() bool {
	return l.pointwise() && !l.legacy && l.bias == nil && l.act.name == "linear" && !l.logitsGrad &&
		l.geom.Rows() >= pointwiseTileMinRows
}

// pointwiseBackward is Backward of a pointwise convolution when it
// tiles (it reports whether it did): dz the gradient at the output, or
// before the BatchNormalization after it when that layer left its input
// gradient to the convolution (which it then runs on the whole of dz
// when the convolution does not tile).
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
	learn := !skipGrad(l.kernel)
	if dx != nil {
		l.transposeKernel()
	}
	m := l.geom.Rows()
	p := l.planTiles(m, l.pointwiseTileRows(), false)
	slot := l.geom.Cols() * l.units()
	wave := p.groups
	if learn {
		wave = max(1, gradSlotBytes/(4*slot*p.perTile))
	}
	grad := l.kernel.Grad.Data
	for g0 := 0; g0 < p.groups; g0 += wave {
		g1 := min(p.groups, g0+wave)
		b0, b1 := g0*p.perTile, min(len(p.blocks), g1*p.perTile)
		if learn {
			l.gradSlots = growSlice(l.gradSlots, (b1-b0)*slot)
		}
		kernels.ForEachTask(g1-g0, func(i int, _ *kernels.TaskScratch) {
			l.pointwiseTile(p, g0+i, b0, bn, dz, dx, learn)
		})
		for b := b0; learn && b < b1; b++ {
			if sl := l.gradSlots[(b-b0)*slot : (b-b0+1)*slot]; b == 0 {
				copy(grad, sl)
			} else {
				kernels.AddTo(grad, sl)
			}
		}
	}
	return true
}

// pointwiseTile runs tile ti on the calling goroutine: bn's input
// gradient on its rows of dz (bn nil: none), its kernel-gradient blocks
// into the wave's slots (b0: the wave's first block), its rows of dx.
func (l *Conv2D) pointwiseTile(p tileTasks, ti, b0 int, bn *BatchNormalization, dz, dx []float32, learn bool) {
	k, units := l.geom.Cols(), l.units()
	r0 := ti * p.t
	r1 := min(l.geom.Rows(), r0+p.t)
	if bn != nil {
		bn.gradRows(dz, r0, r1)
	}
	for b := ti * p.perTile; learn && b < len(p.blocks) && p.blocks[b][0] < r1; b++ {
		a0, a1 := p.blocks[b][0], p.blocks[b][1]
		sl := l.gradSlots[(b-b0)*k*units : (b-b0+1)*k*units]
		kernels.SgemmSerial(true, false, k, units, a1-a0, 1, l.x[a0*k:a1*k], k, dz[a0*units:a1*units], units, 0, sl, units)
	}
	if dx != nil {
		kernels.SgemmSerial(false, false, r1-r0, k, units, 1, dz[r0*units:r1*units], units, l.kernelT, k, 0, dx[r0*k:r1*k], k)
	}
}

// pointwiseTileRows is the tile: a multiple of kernels.ReductionStep
// rows (at most ReductionMaxPiece) whose wider side (dz or x) holds
// about convTileBytes, fewer with more than one thread so that each
// gets tilesPerThread tiles. The results do not depend on it.
func (l *Conv2D) pointwiseTileRows() int {
	const step = kernels.ReductionStep
	m, wide := l.geom.Rows(), max(l.geom.Cols(), l.units())
	t := min(kernels.ReductionMaxPiece, max(step, convTileBytes/(4*wide)/step*step))
	if threads := runtime.GOMAXPROCS(0); threads > 1 {
		t = min(t, max(step, m/(tilesPerThread*threads)/step*step))
	}
	return min(m, t)
}
