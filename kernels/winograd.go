package kernels

import "runtime"

// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015) for 3×3 stride-1 windows on NHWC
// data. The output is cut into 2×2 tiles; tile t reads the 4×4 input
// patch d_t at (2i - PadTop, 2j - PadLeft) and
//
//	y_t = Aᵀ [ Σ_c (G g_{c,f} Gᵀ) ⊙ (Bᵀ d_{t,c} B) ] A
//
// so the 36 multiplies per output tile and channel pair of the direct
// method become 16, done as 16 independent products (one per position ξ
// of the 4×4 transformed tile) V_ξ (tiles × C) · U_ξ (C × F) with Sgemm.
// The transforms are additions over channels, contiguous in NHWC
// (winograd_transform.go; AVX-512 with Go twins). Tiles are processed in
// chunks whose size depends on the shape and a byte budget only, so
// memory is bounded by the chunk and results do not depend on the number
// of threads.
//
// The transformed values are rounded to float32 and the products are
// summed in another order than the direct method, so results differ from
// it by a few float32 roundings relative to the largest terms (see the
// tests for the measured error).

// WinogradApplies reports whether g is a window that WinogradConv
// computes: 3×3, stride 1 (any padding and size).
func WinogradApplies(g ConvGeom) bool {
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1
}

// WinogradKernelLen is the length of a transformed kernel: 16×c×f.
func WinogradKernelLen(c, f int) int { return 16 * c * f }

// WinogradKernel transforms a Keras HWIO kernel w (3, 3, c, f) into u:
// u[ξ] (c × f, row-major) = (G g Gᵀ)[ξ] for every channel pair. With flip
// it transforms the input-gradient kernel instead, w'[kh][kw][f][c] =
// w[2-kh][2-kw][c][f] (the kernel flipped and its channels swapped), into
// u[ξ] (f × c): dx is the convolution of dy with it (see WinogradDxGeom).
//
// The transform runs a row of the 16 u[ξ] at a time (an input channel's
// f outputs; AVX-512 16 at once: wino.kernelRow); the flipped one is the
// forward one with its channels transposed and its positions permuted
// (WinogradFlipFrom).
func WinogradKernel(w []float32, c, f int, flip bool, u []float32) {
	cf := c * f
	if len(w) < 9*cf || len(u) < 16*cf {
		panic("kernels.WinogradKernel: slice too short")
	}
	if flip {
		fwd := make([]float32, 16*cf)
		WinogradKernel(w, c, f, false, fwd)
		WinogradFlipFrom(fwd, c, f, u)
		return
	}
	ForEachChunk(c, max(1, minChunkValues/(16*f)), func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			wino.kernelRow(w[ci*f:], cf, f, u[ci*f:])
		}
	})
}

// WinogradFlipFrom writes into uFlip the input-gradient kernel transform
// (as WinogradKernel with flip) from the forward one u (16 × c × f):
// flipping g reverses G's columns, which swaps G's rows 0 and 3 and
// leaves rows 1 and 2 ([½ ½ ½], [½ -½ ½]) as they are, so
// uFlip[4r+s] (f × c) is u[4π(r)+π(s)] (c × f) transposed, π swapping 0
// and 3. (Computed from the flipped kernel instead, the sums ½(g0+g1+g2)
// would add in the other order: the same values up to a rounding.)
func WinogradFlipFrom(u []float32, c, f int, uFlip []float32) {
	cf := c * f
	if len(u) < 16*cf || len(uFlip) < 16*cf {
		panic("kernels.WinogradFlipFrom: slice too short")
	}
	pi := [4]int{3, 1, 2, 0}
	ForEachChunk(16, 1, func(lo, hi int) {
		for xi := lo; xi < hi; xi++ {
			src := u[(4*pi[xi/4]+pi[xi%4])*cf:][:cf]
			wino.transpose(src, c, f, uFlip[xi*cf:][:cf])
		}
	})
}

// transposeBlocked writes dst (f × c) = src (c × f)ᵀ, 16×16 blocks at a
// time, each block's rows of dst written in a row: winogradImpl.transpose
// in Go (AVX-512: 16×16 blocks in registers where c and f are multiples of
// 16).
func transposeBlocked(src []float32, c, f int, dst []float32) {
	const blk = 16
	for i0 := 0; i0 < c; i0 += blk {
		i1 := min(c, i0+blk)
		for j0 := 0; j0 < f; j0 += blk {
			for j := j0; j < min(f, j0+blk); j++ {
				d := dst[j*c+i0 : j*c+i1]
				for k := range d {
					d[k] = src[(i0+k)*f+j]
				}
			}
		}
	}
}

// kernelTile sets t = G g Gᵀ with G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
func kernelTile(g *[9]float32, t *[16]float32) {
	var r [4][3]float32 // G g
	for s := 0; s < 3; s++ {
		g0, g1, g2 := g[s], g[3+s], g[6+s]
		r[0][s], r[1][s], r[2][s], r[3][s] = g0, 0.5*(g0+g1+g2), 0.5*(g0-g1+g2), g2
	}
	for i := 0; i < 4; i++ {
		a, b, c := r[i][0], r[i][1], r[i][2]
		t[4*i], t[4*i+1], t[4*i+2], t[4*i+3] = a, 0.5*(a+b+c), 0.5*(a-b+c), c
	}
}

// WinogradDxGeom is the geometry of a 3×3 stride-1 convolution's input
// gradient as a convolution of dy with the flipped kernel: input
// N×OH×OW×F, output N×H×W×C, padding 2 - the forward padding (the "full"
// convolution; what lies beyond the input on the far side reads as zero).
func WinogradDxGeom(g ConvGeom, f int) ConvGeom {
	return ConvGeom{N: g.N, H: g.OH, W: g.OW, C: f, KH: 3, KW: 3, SH: 1, SW: 1,
		PadTop: 2 - g.PadTop, PadLeft: 2 - g.PadLeft, OH: g.H, OW: g.W}
}

// WinogradTiles is the number of 2×2 output tiles of g's batch.
func WinogradTiles(g ConvGeom) int { return g.N * ((g.OH + 1) / 2) * ((g.OW + 1) / 2) }

// WinogradChunk is how many tiles WinogradConv transforms at once for f
// output channels within about bytes of scratch (at least one).
func WinogradChunk(g ConvGeom, f, bytes int) int {
	return max(1, min(WinogradTiles(g), bytes/(4*16*(g.C+f))))
}

// WinogradScratchLen is the scratch of one chunk of chunk tiles: its
// transformed inputs and products, and zeros (the padding and the
// missing bias). WinogradConv keeps one per thread that runs chunks, in
// the threads' own scratch; WinogradKernelGrad takes one from its caller.
func WinogradScratchLen(g ConvGeom, f, chunk int) int {
	return 16*(chunk*(g.C+f)+2*xiPad) + winogradZeroLen(g, f)
}

// xiPad separates the 16 matrices of a chunk's transformed inputs (and of
// its products) by a cache line beyond their size: the transforms read or
// write the 16 at once, and at a distance of a multiple of 4 KiB (tiles ×
// channels is often one) they would all compete for the same L1 set.
const xiPad = 16

// WinogradConv overwrites y (N×OH×OW×f) with the convolution of x
// (N×H×W×C) by the kernel u transformed by WinogradKernel (16 × C × f),
// plus bias when it is not nil, then relu (max(y, 0), as Relu) when relu.
// The tiles run chunk at a time (see WinogradChunk), each chunk a task
// that one thread runs from start to end (input transform, the 16
// products, output transform) in its own scratch, which stays in its
// core's cache; the chunks' outputs do not overlap, so the result does
// not depend on the threads.
func WinogradConv(g ConvGeom, f int, x, u, bias, y []float32, relu bool, chunk int) {
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, relu: relu, chunk: chunk})
}

// WinogradFusesMask reports whether WinogradConvMask applies to g's
// output with f channels: f a multiple of 32 and an even output size, so
// that every run of tiles writes whole 64-value words of the mask.
func WinogradFusesMask(g ConvGeom, f int) bool {
	return f%32 == 0 && g.OH%2 == 0 && g.OW%2 == 0
}

// WinogradConvMask is WinogradConv with relu that also sets mask (at
// least (N·OH·OW·f+63)/64 words) to ReluMask's bits for y, each run of
// tiles' words right after its output transform (while they are in
// cache) rather than in a pass of its own over y. It panics unless
// WinogradFusesMask(g, f).
func WinogradConvMask(g ConvGeom, f int, x, u, bias, y []float32, mask []uint64, chunk int) {
	if !WinogradFusesMask(g, f) || len(mask) < (g.N*g.OH*g.OW*f+63)/64 {
		panic("kernels.WinogradConvMask: the output's runs are not whole mask words, or mask too short")
	}
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, relu: true, mask: mask, chunk: chunk})
}

// WinogradResidualApplies reports whether WinogradConvResidual applies
// to g's output: an even output size (every run of tiles writes whole
// rows of two positions each).
func WinogradResidualApplies(g ConvGeom) bool {
	return WinogradApplies(g) && g.OH%2 == 0 && g.OW%2 == 0
}

// WinogradConvResidual is WinogradConv without relu followed by
// Add2Relu(y, res, y) (resFirst) or Add2Relu(y, y, res): a residual
// connection's sum and its relu, the same bits, applied to each run of
// tiles right after its output transform while it is in cache instead of
// in a pass of their own over y. res is shaped as y. It panics unless
// WinogradResidualApplies(g).
func WinogradConvResidual(g ConvGeom, f int, x, u, bias, y, res []float32, resFirst bool, chunk int) {
	if !WinogradResidualApplies(g) || len(res) < g.N*g.OH*g.OW*f {
		panic("kernels.WinogradConvResidual: an odd output size, or res too short")
	}
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, res: res, resFirst: resFirst, chunk: chunk})
}

// winogradConv checks w's operands and runs its chunks: F(2×2, 3×3), or
// F(4×4, 3×3) with w.f4.
func winogradConv(w *winogradChunks) {
	g, f := w.g, w.f
	name, applies, kernelLen, tiles := "WinogradConv", WinogradApplies(g), WinogradKernelLen(g.C, f), 0
	if w.f4 {
		name, applies, kernelLen = "Winograd4Conv", Winograd4Applies(g), Winograd4KernelLen(g.C, f)
	}
	if !applies || w.chunk < 1 {
		panic("kernels." + name + ": not a 3x3 stride-1 window (F(4×4): with an output of 4k × 4k), or no chunk")
	}
	if len(w.x) < g.N*g.H*g.W*g.C || len(w.y) < g.N*g.OH*g.OW*f || len(w.u) < kernelLen ||
		(w.bias != nil && len(w.bias) < f) {
		panic("kernels." + name + ": slice too short")
	}
	if tiles = WinogradTiles(g); w.f4 {
		tiles = Winograd4Tiles(g)
	}
	parallelRun(w, ceilDiv(tiles, w.chunk), runtime.GOMAXPROCS(0))
}

// winogradChunks runs the chunks of a WinogradConv, one task each.
type winogradChunks struct {
	g             ConvGeom
	f, chunk      int
	x, u, bias, y []float32
	relu          bool
	mask          []uint64  // relu's mask, set run by run (WinogradConvMask), or nil
	res           []float32 // a residual added before relu, run by run (WinogradConvResidual), or nil
	resFirst      bool      // res is the sum's first operand
	f4            bool      // F(4×4, 3×3) (winograd4.go) rather than F(2×2, 3×3)
}

func (w *winogradChunks) runTask(ci int, s *gemmScratch) {
	if w.f4 {
		w.runTask4(ci, s)
		return
	}
	g, f := w.g, w.f
	t0 := ci * w.chunk
	nt := min(w.chunk, WinogradTiles(g)-t0)
	n := WinogradScratchLen(g, f, w.chunk)
	s.wino = grow(s.wino, n)
	zero := s.wino[n-winogradZeroLen(g, f):]
	clear(zero)
	bias := w.bias
	if bias == nil {
		bias = zero[:f]
	}
	vs, ms := nt*g.C+xiPad, nt*f+xiPad // distance between two ξ
	v, m := s.wino[:16*vs], s.wino[16*vs:16*(vs+ms)]
	inputTiles(g, w.x, zero, t0, t0+nt, v, vs)
	p := winogradProducts{nt: nt, c: g.C, f: f, v: v, u: w.u, m: m, vs: vs, ms: ms}
	for xi := range 16 {
		p.runTask(xi, s)
	}
	if w.res != nil {
		outputTilesResidual(g, f, m, ms, bias[:f], t0, t0+nt, w.y, w.res, w.resFirst)
		return
	}
	outputTiles(g, f, m, ms, bias[:f], w.relu, t0, t0+nt, w.y, w.mask)
}

// winogradProducts is the 16 products m[ξ] = v[ξ]·u[ξ] of a chunk of nt
// tiles, one task each, every one on a single thread.
type winogradProducts struct {
	nt, c, f int
	v, u, m  []float32
	vs, ms   int // the distance between two ξ in v and in m
}

func (p *winogradProducts) runTask(xi int, s *gemmScratch) {
	cf := p.c * p.f
	wino.gemm(p.v[xi*p.vs:][:p.nt*p.c], p.nt, p.c, p.u[xi*cf:][:cf], p.f, p.m[xi*p.ms:][:p.nt*p.f], s)
}
