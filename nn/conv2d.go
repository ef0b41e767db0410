package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Conv2D", layerKind{
		fields: []string{"filters", "kernel_size", "strides", "padding", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
		make: func(s LayerSpec) (Layer, error) {
			if len(s.KernelSize) == 0 {
				return nil, fmt.Errorf("Conv2D needs kernel_size")
			}
			return &Conv2D{Filters: s.Filters, KernelSize: s.KernelSize.array(), Strides: s.Strides.array(), Padding: string(s.Padding),
				NoBias: noBias(s), Activation: s.Activation, KernelInitializer: s.KernelInitializer, BiasInitializer: s.BiasInitializer}, nil
		},
		describe: func(l Layer, s *LayerSpec) {
			c := l.(*Conv2D)
			s.Filters, s.KernelSize, s.Strides, s.Padding = c.Filters, pairOf(c.KernelSize), pairOf(c.Strides), PaddingArg(c.Padding)
			s.Activation, s.KernelInitializer, s.BiasInitializer = c.Activation, c.KernelInitializer, c.BiasInitializer
			s.UseBias = useBias(c.NoBias)
		},
	})
}

// Conv2D is Keras' Conv2D on NHWC input with an HWIO kernel
// (kh, kw, in_channels, filters), computed as im2col followed by SGEMM on
// tiles of output positions (memory bounded by a tile, see convTileBytes).
type Conv2D struct {
	named
	Filters           int
	KernelSize        [2]int // required
	Strides           [2]int // zero value: (1, 1)
	Padding           string // "valid" (default) or "same"
	NoBias            bool   // Keras' use_bias=False
	Activation        string // "" = linear
	KernelInitializer string // "" = glorot_uniform
	BiasInitializer   string // "" = zeros

	affine
	geom    kernels.ConvGeom
	in, out tensor.Shape

	x                  []float32      // the input of the last Forward
	cols, y, dcols, dx *tensor.Tensor // cols and dcols: one tile
	colsWhole          bool           // cols holds the whole patch matrix of x
	kernelT            []float32      // the kernel transposed, (F, KH*KW*C)
	tileBytes          int            // tests: the tile's size in bytes (0: convTileBytes)
	par                [][2]int       // a parallel Backward's kernel-gradient blocks (conv2d_parallel.go)
	gradSlots          []float32      // and their products
	legacy             bool           // tests and benchmarks: no whole tiles per thread, no patches read in place
	serialBackwards    int            // tests: Backwards that ran serially on many threads (shardSerial)
	wino               winograd       // Winograd F(2x2,3x3) for 3x3 stride-1 kernels (conv2d_winograd.go)
	w16                convWino16     // the same for 16 channels and filters, "same" (conv2d_wino16.go)
	fold               convFold       // a Graph's inference Forward with the next BatchNormalization folded in (graph_fold.go)
	res                convResidual   // a Graph's inference Forward with the Add and relu after it folded in (conv2d_residual.go)

	// the BatchNormalizations next to a pointwise convolution whose passes it runs (conv2d_pointwise.go)
	gradBN, sumsBN *BatchNormalization
	// the BatchNormalization that alone reads its output, which gives it its bias gradient (batchnorm_biasgrad.go)
	biasBN *BatchNormalization
}

func (l *Conv2D) Type() string { return "Conv2D" }

// validate checks the config on its own: filters, kernel size, strides,
// padding, activation and initializers.
func (l *Conv2D) validate() error {
	if l.Filters <= 0 {
		return fmt.Errorf("filters must be positive, got %d", l.Filters)
	}
	if _, err := pair(l.KernelSize, [2]int{}, "kernel_size"); err != nil {
		return err
	}
	if _, err := pair(l.Strides, [2]int{1, 1}, "strides"); err != nil {
		return err
	}
	if _, err := checkPadding(l.Padding); err != nil {
		return err
	}
	if _, err := lookupActivation(l.Activation); err != nil {
		return err
	}
	return checkInitializers(l.KernelInitializer, l.BiasInitializer)
}

// plan checks the config against the input and sets the geometry.
func (l *Conv2D) plan(in tensor.Shape) (footprint, error) {
	if len(in) != 3 {
		return footprint{}, fmt.Errorf("expects (height, width, channels) input, got %v", in)
	}
	if err := l.validate(); err != nil {
		return footprint{}, err
	}
	k, _ := pair(l.KernelSize, [2]int{}, "kernel_size")
	s, _ := pair(l.Strides, [2]int{1, 1}, "strides")
	pad, _ := checkPadding(l.Padding)
	oh, pt := window(pad, in[0], k[0], s[0])
	ow, pl := window(pad, in[1], k[1], s[1])
	if oh <= 0 || ow <= 0 {
		return footprint{}, fmt.Errorf("kernel %dx%d is larger than its %dx%d input (use padding \"same\" or a smaller kernel)", k[0], k[1], in[0], in[1])
	}
	l.geom = kernels.ConvGeom{H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1], PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
	out := tensor.Shape{oh, ow, l.Filters}
	fp := footprint{out: out, trainable: float64(k[0]) * float64(k[1]) * float64(in[2]) * float64(l.Filters)}
	if !l.NoBias {
		fp.trainable += float64(l.Filters)
	}
	fp.copies = l.winogradCache()
	fp.buffers, fp.dx, fp.arena = values(out), values(in), true // y, dx
	if act, _ := lookupActivation(l.Activation); act.needsZ {
		fp.buffers += values(out) // the pre-activation
	}
	// A tile of the patch matrix and its gradient (see tileRows), or a
	// chunk of Winograd tiles.
	switch {
	case l.useWinograd():
		fp.tilePerSample, fp.tileMax = l.winogradTiles()
		fp.tileShared = true
	case !l.pointwise():
		cols := float64(k[0]*k[1]) * float64(in[2])
		fp.tilePerSample = 2 * float64(oh) * float64(ow) * cols
		fp.tileMax = 2 * l.tileRowCap(cols) * cols
	}
	return fp, nil
}

func (l *Conv2D) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if _, err := l.plan(in); err != nil {
		return nil, err
	}
	k := [2]int{l.geom.KH, l.geom.KW}
	var err error
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	oh, ow := l.geom.OH, l.geom.OW
	kinit, err := lookupInitializer(l.KernelInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	l.kernel = newParam("kernel", true, k[0], k[1], in[2], l.Filters)
	kinit(l.kernel.Value.Data, k[0]*k[1]*in[2], k[0]*k[1]*l.Filters, rng)
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, l.Filters)
		binit(l.bias.Value.Data, l.Filters, l.Filters, rng)
	}
	l.in, l.out = in.Clone(), tensor.Shape{oh, ow, l.Filters}
	return l.out, nil
}

// convTileBytes bounds the patch matrix a convolution holds at once (and
// its gradient): the layer's memory grows with this tile, not with
// batch × height × width. 512 KiB keeps a tile in the L2 cache from
// im2col writing it to the GEMM reading it: a resnet-20 training step at
// batch 128 on one thread, the sizes alternated in one process, took 1.32
// s of CPU with 4 MiB tiles, 0.93 s with 1 MiB, 0.83 s with 512 KiB and
// 256 KiB.
const convTileBytes = 512 << 10

// tileRowCap is the most patch-matrix rows of cols values a tile holds:
// unless a test set the size, a multiple of kernels.ReductionStep (at
// least one, at most kernels.ReductionMaxPiece) near convTileBytes, so
// that the kernel gradient, summed tile by tile, gets the same bits for
// any such tile (see tileKernelGrad).
func (l *Conv2D) tileRowCap(cols float64) float64 {
	if l.tileBytes > 0 {
		return max(1, math.Floor(float64(l.tileBytes)/(4*cols)))
	}
	const step = kernels.ReductionStep
	r := math.Floor(convTileBytes/(4*cols)/step) * step
	return min(kernels.ReductionMaxPiece, max(step, r))
}

// tileRows is the number of patch-matrix rows (output positions) of a
// tile: tileRowCap's, or with more than one thread (whole tiles per
// thread, tileParallel) fewer, down to kernels.ReductionStep, so that
// each thread gets at least tilesPerThread tiles. Results do not depend
// on it: each output row is its own product, col2im adds every dx
// element's terms in the same order however the rows are tiled
// (kernels.Col2imRows), and tiles of a multiple of ReductionStep rows
// give the kernel gradient the same bits (tileKernelGrad).
func (l *Conv2D) tileRows() int {
	m, k := l.geom.Rows(), l.geom.Cols()
	t := min(m, int(l.tileRowCap(float64(k))))
	if threads := runtime.GOMAXPROCS(0); threads > 1 && l.tileBytes == 0 && !l.legacy {
		const step = kernels.ReductionStep
		t = min(t, max(step, m/(tilesPerThread*threads)/step*step))
	}
	return t
}

// tilesPerThread is the fewest tiles tileRows gives each thread: tiles
// are claimed one at a time, so the threads' shares differ by at most
// one tile in this many.
const tilesPerThread = 4

// Forward: x (N, H, W, C) -> y (N, OH, OW, F), a tile of output positions
// at a time: im2col of the tile's patches (tile, KH*KW*C), then one SGEMM
// into the tile's rows of y; or, where kernels.ConvDirectApplies (16 or
// 32 filters and a short reduction: resnet-20's convolutions), the same
// product with the patches read in place from a zero-padded copy of the
// tile's input rows (or from x where no patch reaches into the padding),
// the same bits. A 1x1 stride-1 unpadded kernel reads x in place.
func (l *Conv2D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	g := l.geom
	g.N = batchOf(l, x, l.in)
	l.geom = g
	m, k := g.Rows(), g.Cols()
	y := output(l.arena, &l.y, x, g.N, l.out)
	l.x = x.Data // Backward recomputes the patches from it
	if l.useWinograd() {
		if l.winogradForward(x.Data, y.Data, training) {
			return y
		}
	} else if l.pointwise() {
		l.gemmRows(x.Data, 0, m, k, y.Data)
	} else if l.forwardTiled(x.Data, y) {
		return y
	}
	if l.res.x != nil {
		l.residualAll(y.Data)
		return y
	}
	l.activate(y)
	return y
}

// forwardTiled is Forward's im2col path, a tile at a time (or whole
// tiles per thread, forwardTiles); it reports whether it applied the
// activation (relu, tile by tile).
func (l *Conv2D) forwardTiled(x []float32, y *tensor.Tensor) bool {
	g := l.geom
	m, k, t := g.Rows(), g.Cols(), l.tileRows()
	tileRelu := l.tileRelu(t, y)
	l.colsWhole = false
	if l.wino16() {
		l.wino16Weights()
	}
	if l.tileParallel(m, t) {
		l.forwardTiles(x, y.Data, m, k, t, tileRelu)
		return tileRelu
	}
	direct := l.direct()
	if direct {
		l.cols = tensor.Ensure(l.cols, l.directLen(t))
	} else {
		l.cols = tensor.Ensure(l.cols, t, k)
	}
	for r0 := 0; r0 < m; r0 += t {
		r1 := min(m, r0+t)
		if direct {
			l.directRows(x, r0, r1, y.Data, l.cols.Data)
		} else {
			c := l.cols.Data[:(r1-r0)*k]
			kernels.Im2colRows(g, x, r0, r1, c)
			l.gemmRows(c, r0, r1, k, y.Data)
		}
		if tileRelu {
			l.reluRows(y.Data, r0, r1)
		}
	}
	l.colsWhole = t == m && !direct
	return tileRelu
}

// tileRelu reports whether Forward applies relu (and keeps its mask)
// tile by tile, while the tile's outputs are still in the cache, rather
// than in a pass over y after the last tile: for relu, when every tile
// starts on a whole word of the mask (the same bits either way). It
// sizes the mask for y.
func (l *Conv2D) tileRelu(t int, y *tensor.Tensor) bool {
	if l.act.name != "relu" || t*l.units()%64 != 0 {
		return false
	}
	if l.maskOut {
		words := (len(y.Data) + 63) / 64
		if cap(l.mask) < words {
			l.mask = make([]uint64, words)
		}
		l.mask = l.mask[:words]
	}
	return true
}

// reluRows applies relu to rows [r0, r1) of y and, when the layer keeps
// relu's mask, sets their bits.
func (l *Conv2D) reluRows(y []float32, r0, r1 int) {
	if l.res.x != nil {
		l.residualRows(y, r0, r1)
		return
	}
	units := l.units()
	seg := y[r0*units : r1*units]
	kernels.Relu(seg, seg)
	if l.maskOut {
		kernels.ReluMask(l.mask[r0*units/64:], seg)
	}
}

// Backward: dy (N, OH, OW, F) -> dz; dbias = Σ dz; then tile by tile (the
// patches recomputed from x unless one tile held them all):
// dkernel += colsᵀ·dz (not for a frozen kernel), and dcols = dz·kernelᵀ
// -> col2im added into dx; or, for stride-1 kernels (directDx), dx of the
// samples a tile completes straight from dz (the same bits).
func (l *Conv2D) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	g := l.geom
	m, k := g.Rows(), g.Cols()
	var dx []float32
	var dxt *tensor.Tensor
	if needDx {
		dxt = inputGrad(l.arena, &l.dx, dy, g.N, l.in)
		dx = dxt.Data
	}
	if l.pointwise() { // the patch matrix is x, and dcols is dx itself
		if l.pointwiseBackward(dy.Data, dx) {
			return dxt
		}
		l.backward(l.x, m, k, l.y, dy, dx)
		return dxt
	}
	if !l.biasFromBN() {
		l.gradZ(l.y, dy)
	}
	tileDx := needDx && !l.winogradBackward(dy.Data, dx)           // Winograd writes all of dx
	learn := !skipGrad(l.kernel) && !l.winogradKernelGrad(dy.Data) // Winograd writes all of dkernel
	if !learn && !tileDx {
		return dxt
	}
	if tileDx {
		l.transposeKernel()
	}
	if t := l.tileRows(); l.tileParallel(m, t) && !l.shardSerial() {
		if p := l.planTiles(m, t, tileDx); p.groups > 1 {
			l.backwardTiles(p, dy.Data, dx, learn, tileDx)
			return dxt
		}
	}
	l.backwardSerial(dy.Data, dx, learn, tileDx)
	return dxt
}

// backwardSerial is Backward's tile loop, each tile's steps split over
// the threads: dz is the gradient before the activation; learn: add the
// kernel gradient; tileDx: compute dx.
func (l *Conv2D) backwardSerial(dz, dx []float32, learn, tileDx bool) {
	g := l.geom
	m, k, t, units := g.Rows(), g.Cols(), l.tileRows(), l.units()
	directDx := tileDx && l.directDx()
	if tileDx && !directDx {
		clear(dx)
		l.dcols = tensor.Ensure(l.dcols, t, k)
	}
	whole := l.colsWhole && t == m // Forward's one tile holds every row
	done := 0                      // samples whose dx is computed (directDx)
	for r0 := 0; r0 < m; r0 += t {
		r1 := min(m, r0+t)
		dzt := dz[r0*units : r1*units]
		if learn && !l.directGradRows(r0, r1, dz) {
			if !whole { // a tile's patches, once a tile needs them
				l.cols = tensor.Ensure(l.cols, t, k)
			}
			c := l.cols.Data[:(r1-r0)*k]
			if !whole {
				kernels.Im2colRows(g, l.x, r0, r1, c)
			}
			l.tileKernelGrad(c, r1-r0, k, dzt, float32(min(r0, 1)))
		}
		if directDx { // the samples this tile completes, one per task
			n0, n1 := done, r1/(g.OH*g.OW)
			kernels.ForEachTask(n1-n0, func(i int, s *kernels.TaskScratch) {
				l.inputGradDirect(dz, n0+i, n0+i+1, dx, s)
			})
			done = n1
		} else if tileDx {
			dc := l.dcols.Data[:(r1-r0)*k]
			kernels.Sgemm(false, false, r1-r0, k, units, 1, dzt, units, l.kernelT, k, 0, dc, k)
			kernels.Col2imRows(g, dc, r0, r1, dx)
		}
	}
}

// tileKernelGrad adds the kernel gradient of a tile of rows (beta 0 for
// the first tile) as kernelGrad does, but computes the rows after the
// tile's last multiple of kernels.ReductionStep as a product of their
// own: with tiles of a multiple of ReductionStep rows (tileRowCap), the
// gradient is then the sum over the same blocks of rows, in the same
// order, however many multiples a tile holds (kernels.ReductionStep),
// so the tile size never changes a result.
func (l *Conv2D) tileKernelGrad(c []float32, rows, k int, dz []float32, beta float32) {
	if whole := rows - rows%kernels.ReductionStep; whole > 0 && whole < rows {
		l.kernelGrad(c, whole, k, dz, beta)
		c, dz, rows, beta = c[whole*k:], dz[whole*l.units():], rows-whole, 1
	}
	l.kernelGrad(c, rows, k, dz, beta)
}

// transposeKernel sets kernelT to the kernel as (F, KH*KW*C), once per
// Backward, so that every tile's dz·kernelᵀ reads it in place rather than
// packing the transposed kernel again; or, for the three-tap input
// gradient (tapDx), flipped (kernels.FlipKernel).
func (l *Conv2D) transposeKernel() {
	w := l.kernel.Value.Data
	units := l.units()
	k := len(w) / units
	if l.wino16() {
		l.wino16FlipWeights()
		return
	}
	if cap(l.kernelT) < len(w) {
		l.kernelT = make([]float32, len(w))
	}
	l.kernelT = l.kernelT[:len(w)]
	if l.tapDx() {
		kernels.FlipKernel(l.geom, units, w, l.kernelT)
		return
	}
	for i := 0; i < k; i++ {
		for j, v := range w[i*units : (i+1)*units] {
			l.kernelT[j*k+i] = v
		}
	}
}

func (l *Conv2D) pointwise() bool {
	g := l.geom
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1
}
