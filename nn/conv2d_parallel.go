package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
)

// Whole tiles per thread. A small convolution (resnet-20's 16-channel
// ones: tiles of 512 rows, products of 512×144 by 144×16) would otherwise
// split each tile's im2col and SGEMM over the threads: regions of tens of
// microseconds, each thread reading what the other wrote. With more than
// one thread, Forward and Backward instead give each thread whole tiles
// (kernels.ForEachTask), every step of a tile run serially on its thread,
// and get the same bits as one thread working through the tiles in order:
//   - Forward: each output row depends on its own patch row only.
//   - the input gradient: tasks are groups of tiles that start and end on
//     whole samples (col2im of a sample's tiles adds into that sample's
//     part of dx only), each group's tiles in order, so every dx element
//     receives its terms in Col2imRows' order.
//     With directDx the group computes its samples' dx after its tiles
//     (kernels.ConvInputGradDirect: Col2imRows' sums and order).
//   - the kernel gradient: Backward sums it block by block, each block
//     from zero, in row order (tileKernelGrad and Sgemm's k-blocks,
//     kernels.SgemmKBlock). The tasks compute the blocks into slots of
//     their own; the slots are then added into the gradient in that
//     order, a wave of at most gradSlotBytes of slots at a time.

// gradSlotBytes bounds the kernel-gradient blocks a parallel Backward
// holds before adding them up.
const gradSlotBytes = 1 << 20

// tileParallel reports whether Forward and Backward run whole tiles on
// each thread: with more than one thread and more than one tile of t
// rows, tiles no longer than kernels.ReductionMaxPiece (Sgemm then never
// splits a tile's kernel-gradient product over k).
func (l *Conv2D) tileParallel(m, t int) bool {
	return !l.legacy && runtime.GOMAXPROCS(0) > 1 && m > t && t <= kernels.ReductionMaxPiece
}

// shardSerial reports whether Backward runs its tiles serially
// (backwardSerial) rather than as parallel tasks (backwardTiles) although
// the threads are many: inside a shard (kernels.SerialRegions), where the
// tasks would run one after the other on this goroutine anyway. The
// kernel-gradient blocks then add into the gradient in place, in block
// order (kernels.ConvKernelGradDirect with beta 1, or tileKernelGrad's
// products, whose k-blocks Sgemm adds in order), instead of each going
// to a slot of its own, cold in the caches, that the slots' sum in block
// order reads again: the same additions in the same order, the same
// bits; dx gets its terms in Col2imRows' order either way, or is cut by
// samples (kernels.ConvInputGradDirect, Wino16Rows: bits that do not
// depend on the cut).
// It counts the Backwards it sends to backwardSerial (tests).
func (l *Conv2D) shardSerial() bool {
	if l.legacy || !kernels.SerialRegions() || shardSlots == slotsAll || shardSlots == slotsBut16 && !l.wino16() {
		return false
	}
	l.serialBackwards++
	return true
}

// shardSlots keeps Backward's parallel tiles in serial regions for every
// convolution (slotsAll) or for all but the 16-channel Winograd ones
// (slotsBut16) (tests and benchmarks).
var shardSlots slotMode

type slotMode int

const (
	slotsNone  slotMode = iota // every convolution's Backward serial in a shard (shardSerial)
	slotsBut16                 // only the 16-channel Winograd ones serial
	slotsAll                   // none serial
)

// direct reports whether Forward reads the patches in place
// (kernels.ConvRowsDirect).
func (l *Conv2D) direct() bool { return !l.legacy && kernels.ConvDirectApplies(l.geom, l.units()) }

// forwardTiles is Forward's tile loop with whole tiles per thread: im2col,
// the product with the bias and, when tileRelu, relu and its mask.
func (l *Conv2D) forwardTiles(x, y []float32, m, k, t int, tileRelu bool) {
	g, units := l.geom, l.units()
	direct := l.direct()
	kernels.ForEachTask(ceilDiv(m, t), func(i int, s *kernels.TaskScratch) {
		r0 := i * t
		r1 := min(m, r0+t)
		if direct {
			l.directRows(x, r0, r1, y, s.Buf(0, l.directLen(r1-r0)))
		} else {
			c := s.Buf(0, (r1-r0)*k)
			kernels.Im2colRowsSerial(g, x, r0, r1, c)
			l.gemmRowsBy(kernels.SgemmSerial, c, r0, r1, k, y)
		}
		if tileRelu && l.res.x != nil {
			l.residualRows(y, r0, r1)
		} else if tileRelu {
			seg := y[r0*units : r1*units]
			kernels.Relu(seg, seg)
			if l.maskOut {
				kernels.ReluMaskSerial(l.mask[r0*units/64:], seg)
			}
		}
	})
}

// directRows computes rows [r0, r1) of y before the activation with the
// patches read in place (kernels.ConvRowsDirect: Im2colRows' and the
// product's bits), or by Winograd (wino16: kernels.Wino16Rows, its
// weights set before the tiles), on the calling goroutine; buf is its
// scratch (directLen).
func (l *Conv2D) directRows(x []float32, r0, r1 int, y, buf []float32) {
	units := l.units()
	var bias []float32
	if l.bias != nil {
		bias = l.bias.Value.Data
	}
	if l.wino16() {
		kernels.Wino16Rows(l.geom, x, r0, r1, l.w16.u, bias, y[r0*units:], buf) // it prefetches the next tile's first rows
		return
	}
	kernels.ConvRowsDirect(l.geom, x, r0, r1, l.kernel.Value.Data, units, bias, y[r0*units:r1*units], buf)
}

// tileTasks is the plan of a parallel Backward: tiles of t rows, grouped
// by perGroup (whole samples each when dx is computed), and the
// kernel-gradient blocks of a whole tile (perTile) and of all tiles
// (blocks, in row order; a tile i's start at i*perTile).
type tileTasks struct {
	t, tiles, perGroup, groups int
	perTile                    int
	blocks                     [][2]int
}

// planTiles lays out a parallel Backward over m rows in tiles of t.
func (l *Conv2D) planTiles(m, t int, tileDx bool) tileTasks {
	p := tileTasks{t: t, tiles: ceilDiv(m, t), perGroup: 1}
	if tileDx {
		per := l.geom.OH * l.geom.OW
		p.perGroup = per / gcd(t, per) // lcm(t, per) / t
	}
	p.groups = ceilDiv(p.tiles, p.perGroup)
	p.perTile = len(l.gradBlocks(0, t, nil))
	p.blocks = l.par[:0]
	for r0 := 0; r0 < m; r0 += t {
		p.blocks = l.gradBlocks(r0, min(m, r0+t), p.blocks)
	}
	l.par = p.blocks
	return p
}

// gradBlocks appends the kernel-gradient blocks of tile rows [a, b) to
// dst: the tile cut as tileKernelGrad cuts it, each piece as Sgemm blocks
// its reduction.
func (l *Conv2D) gradBlocks(a, b int, dst [][2]int) [][2]int {
	pieces, n := [2][2]int{{a, b}}, 1
	if whole := (b - a) - (b-a)%kernels.ReductionStep; whole > 0 && whole < b-a {
		pieces, n = [2][2]int{{a, a + whole}, {a + whole, b}}, 2
	}
	for _, pc := range pieces[:n] {
		kb := kernels.SgemmKBlock(l.units(), pc[1]-pc[0])
		for s := pc[0]; s < pc[1]; s += kb {
			dst = append(dst, [2]int{s, min(pc[1], s+kb)})
		}
	}
	return dst
}

// backwardTiles is Backward's tile loop with whole groups of tiles per
// thread, in waves of groups whose kernel-gradient slots fit in
// gradSlotBytes; dz is the gradient before the activation.
func (l *Conv2D) backwardTiles(p tileTasks, dz, dx []float32, learn, tileDx bool) {
	k, units := l.geom.Cols(), l.units()
	slot := k * units
	wave := p.groups
	if learn {
		wave = max(1, gradSlotBytes/(4*slot*p.perGroup*p.perTile))
	}
	grad := l.kernel.Grad.Data
	for g0 := 0; g0 < p.groups; g0 += wave {
		g1 := min(p.groups, g0+wave)
		b0 := min(len(p.blocks), g0*p.perGroup*p.perTile) // the wave's first block
		b1 := len(p.blocks)
		if g1 < p.groups {
			b1 = g1 * p.perGroup * p.perTile
		}
		if learn {
			l.gradSlots = growSlice(l.gradSlots, (b1-b0)*slot)
		}
		kernels.ForEachTask(g1-g0, func(i int, s *kernels.TaskScratch) {
			l.backwardGroup(p, g0+i, b0, dz, dx, learn, tileDx, s)
		})
		for b := b0; learn && b < b1; b++ {
			if sl := l.gradSlots[(b-b0)*slot : (b-b0+1)*slot]; b == 0 {
				copy(grad, sl)
			} else {
				kernels.AddTo(grad, sl)
			}
		}
	}
}

// backwardGroup runs the tiles of group gi in order: their kernel-gradient
// blocks into the wave's slots (b0: the wave's first block) and their
// input gradient into dx, which it clears first.
func (l *Conv2D) backwardGroup(p tileTasks, gi, b0 int, dz, dx []float32, learn, tileDx bool, s *kernels.TaskScratch) {
	g, k, units := l.geom, l.geom.Cols(), l.units()
	m := g.Rows()
	first, last := gi*p.perGroup, min(p.tiles, (gi+1)*p.perGroup)
	per, img := g.OH*g.OW, g.H*g.W*g.C
	n0, n1 := first*p.t/per, ceilDiv(min(m, last*p.t), per) // the group's samples (tileDx)
	directDx := tileDx && l.directDx()
	if tileDx && !directDx {
		clear(dx[n0*img : n1*img])
	}
	for ti := first; ti < last; ti++ {
		r0 := ti * p.t
		r1 := min(m, r0+p.t)
		if learn {
			l.tileGradSlots(p, ti, r0, r1, b0, dz, s)
		}
		if tileDx && !directDx {
			dc := s.Buf(1, (r1-r0)*k)
			kernels.SgemmSerial(false, false, r1-r0, k, units, 1, dz[r0*units:r1*units], units, l.kernelT, k, 0, dc, k)
			kernels.Col2imRowsSerial(g, dc, r0, r1, dx)
		}
	}
	if directDx {
		l.inputGradDirect(dz, n0, n1, dx, s)
	}
}

// directDx reports whether Backward computes dx with
// kernels.ConvInputGradDirect (no dcols, no col2im; the same bits): for
// stride-1 convolutions with a vector kernel, where it is faster (see
// BenchmarkConvInputGradDirect; with stride 2, or through convDxGo's
// product per tap, the im2col path was faster), and for strided kernels:
// 1×1 ones without padding (kernels.ConvInputGradPointwiseApplies: each
// output row's product written into dx in place), others tap by tap
// (kernels.ConvInputGradTapsApplies: each tap's product added into dx in
// place).
func (l *Conv2D) directDx() bool {
	g := l.geom
	if l.legacy {
		return false
	}
	if g.SH == 1 && g.SW == 1 {
		return l.tapDx() || kernels.ConvInputGradDirectApplies(g, l.units()) && kernels.ConvInputGradDirectVector(g)
	}
	f := l.units()
	return kernels.ConvInputGradDirectApplies(g, f) && (kernels.ConvInputGradPointwiseApplies(g, f) || kernels.ConvInputGradTapsApplies(g, f))
}

// tapDx reports whether the direct input gradient runs the three-tap
// kernels (kernels.ConvInputGradTap: dz convolved with the flipped
// kernel, which kernelT then holds; not col2im's bits).
func (l *Conv2D) tapDx() bool {
	return !l.legacy && kernels.ConvInputGradTapApplies(l.geom, l.units())
}

// inputGradDirect sets dx's samples [n0, n1) from dz on the calling
// goroutine (kernels.ConvInputGradTap or kernels.ConvInputGradDirect), in
// s's scratch.
func (l *Conv2D) inputGradDirect(dz []float32, n0, n1 int, dx []float32, s *kernels.TaskScratch) {
	g, f := l.geom, l.units()
	if l.wino16() {
		l.wino16InputGrad(dz, n0, n1, dx, s.Buf(0, kernels.Wino16Len(g)))
		return
	}
	if l.tapDx() {
		kernels.ConvInputGradTap(g, dz, f, l.kernelT, n0, n1, dx, s.Buf(0, kernels.ConvInputGradTapLen(g, f)))
		return
	}
	kernels.ConvInputGradDirect(g, dz, f, l.kernelT, n0, n1, dx, s.Buf(0, kernels.ConvInputGradDirectLen(g)))
}

// tileGradSlots computes the kernel-gradient blocks of tile ti (rows
// [r0, r1)) into the wave's slots (b0: the wave's first block): with the
// patches read in place where kernels.ConvGradDirectApplies, else from
// the tile's im2col.
func (l *Conv2D) tileGradSlots(p tileTasks, ti, r0, r1, b0 int, dz []float32, s *kernels.TaskScratch) {
	g, k, units := l.geom, l.geom.Cols(), l.units()
	var c []float32 // the tile's patches, once a block needs them
	for b := ti * p.perTile; b < len(p.blocks) && p.blocks[b][0] < r1; b++ {
		a0, a1 := p.blocks[b][0], p.blocks[b][1]
		sl := l.gradSlots[(b-b0)*k*units : (b-b0+1)*k*units]
		if l.directGrad(a0, a1) {
			kernels.ConvKernelGradDirect(g, l.x, a0, a1, dz, units, 0, sl, s.Buf(1, kernels.ConvGradDirectLen(g, a0, a1)))
			l.w16.countGrad(g, units)
			continue
		}
		if c == nil {
			c = s.Buf(0, (r1-r0)*k)
			kernels.Im2colRowsSerial(g, l.x, r0, r1, c)
		}
		kernels.SgemmSerial(true, false, k, units, a1-a0, 1, c[(a0-r0)*k:], k, dz[a0*units:a1*units], units, 0, sl, units)
	}
}

// directGrad reports whether the kernel-gradient block of rows [a0, a1)
// reads its patches in place (kernels.ConvKernelGradDirect).
func (l *Conv2D) directGrad(a0, a1 int) bool {
	return !l.legacy && kernels.ConvGradDirectApplies(l.geom, l.units(), a0, a1)
}

// directGradRows adds the kernel gradient of tile rows [r0, r1) as
// tileKernelGrad does (from zero for the first tile), block by block with
// the patches read in place, when every block of the tile can
// (directGrad), and reports whether it did.
func (l *Conv2D) directGradRows(r0, r1 int, dz []float32) bool {
	l.par = l.gradBlocks(r0, r1, l.par[:0])
	n := 0
	for _, b := range l.par {
		if !l.directGrad(b[0], b[1]) {
			return false
		}
		n = max(n, kernels.ConvGradDirectLen(l.geom, b[0], b[1]))
	}
	l.gradSlots = growSlice(l.gradSlots, n)
	for _, b := range l.par {
		beta := float32(min(b[0], 1)) // the first block starts the gradient
		kernels.ConvKernelGradDirect(l.geom, l.x, b[0], b[1], dz, l.units(), beta, l.kernel.Grad.Data, l.gradSlots)
		l.w16.countGrad(l.geom, l.units())
	}
	return true
}

// growSlice returns s with n values, reallocated when too small.
func growSlice(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
