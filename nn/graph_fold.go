package nn

import (
	"math"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// An inference Forward of a Graph folds a BatchNormalization into the
// Conv2D before it when nothing else reads the convolution's output: the
// Conv2D runs with kernel*scale and bias*scale + shift (the normalization
// y = x*scale + shift as the BatchNormalization computes it from its
// moving statistics, per channel, in float64, rounded once), and takes
// over a relu Activation right after the BatchNormalization too (applied
// tile by tile, see Conv2D.tileRelu), or a relu6 one (applied in place
// after the convolution). The BatchNormalization and the relu
// then hand their input on as their output. This saves two passes over
// each such tensor (resnet-20's every convolution); the outputs differ
// from the unfolded ones in the last bits (the products are rounded in
// another order). Training, a layer in training mode and a Forward that
// collects activation statistics (whose per-layer values would change)
// never fold.

// graphFolds is the plan: per node, its role in a chain.
type graphFolds struct {
	conv []int         // per node: for a BatchNormalization or relu whose work a Conv2D takes over, that Conv2D's node; -1 otherwise
	bn   []int         // per Conv2D node that folds: its BatchNormalization's node; -1 otherwise
	act  []*activation // per Conv2D node that folds: the relu or relu6 after the BatchNormalization it takes over too, or nil
	done []bool        // per Conv2D node: it folded in this Forward
	// fresh is per Conv2D node: its folded kernel and bias are those of
	// the weights now (set by its first fold in a Forward, kept across
	// the micro-batches of one, graph_micro.go); keep says the Forward
	// running is such a later micro-batch.
	fresh []bool
	keep  bool
}

// planFolds finds the chains Conv2D (linear; Winograd or not) → its only
// reader, a BatchNormalization over its channels (→ that one's only
// reader, a relu or relu6 Activation).
func (g *Graph) planFolds() {
	k := len(g.nodes)
	f := graphFolds{conv: make([]int, k), bn: make([]int, k), act: make([]*activation, k), done: make([]bool, k), fresh: make([]bool, k)}
	readers := make([]int, k)
	for _, n := range g.nodes {
		for _, r := range n.inputs {
			if r >= 0 {
				readers[r]++
			}
		}
	}
	readers[g.outputRef()]++
	for i := range f.conv {
		f.conv[i], f.bn[i] = -1, -1
	}
	for j, n := range g.nodes {
		bn, ok := n.layer.(*BatchNormalization)
		if !ok || len(n.inputs) != 1 || n.inputs[0] < 0 {
			continue
		}
		i := int(n.inputs[0])
		conv, ok := g.nodes[i].layer.(folder)
		if !ok || readers[i] != 1 || !conv.foldable(bn.c) {
			continue
		}
		f.bn[i], f.conv[j] = j, i
		if readers[j] != 1 {
			continue
		}
		for r, m := range g.nodes {
			if a, ok := m.layer.(*Activation); ok && len(m.inputs) == 1 && int(m.inputs[0]) == j && (a.act.name == "relu" || a.act.name == "relu6") {
				f.act[i], f.conv[r] = a.act, i
			}
		}
	}
	g.folds = f
}

// foldForward runs node i of an inference Forward when its work is
// folded: a Conv2D that applies its BatchNormalization (and relu), or a
// layer whose Conv2D did its work. ok is false when node i runs as usual.
func (g *Graph) foldForward(i int, x *tensor.Tensor, trainingOf func(Layer) bool) (y *tensor.Tensor, ok bool) {
	f := &g.folds
	if c := f.conv[i]; c >= 0 {
		return x, f.done[c]
	}
	f.done[i] = false
	j := f.bn[i]
	if j < 0 || g.stats.on || trainingOf(g.nodes[i].layer) || trainingOf(g.nodes[j].layer) {
		return nil, false
	}
	f.done[i] = true
	g.refreshFold(i, j)
	return g.nodes[i].layer.(folder).forwardFolded(x, f.act[i]), true
}

// refreshFold sets the folded kernel and bias of Conv2D node i from its
// weights and BatchNormalization node j, once per Forward.
func (g *Graph) refreshFold(i, j int) {
	f := &g.folds
	if !f.fresh[i] {
		kernel, bias, fold := g.nodes[i].layer.(folder).foldParams()
		fold.set(kernel, bias, g.nodes[j].layer.(*BatchNormalization))
		f.fresh[i] = true
	}
}

// folder is a layer a BatchNormalization after it can fold into: a
// Conv2D or a DepthwiseConv2D.
type folder interface {
	// foldable reports whether the layer is linear with c output channels.
	foldable(c int) bool
	// foldParams returns its kernel, its bias (nil: none) and its fold.
	foldParams() (kernel, bias *Param, fold *convFold)
	// forwardFolded is the inference Forward with the folded kernel and
	// bias in place of its own, and act (relu or relu6) unless nil.
	forwardFolded(x *tensor.Tensor, act *activation) *tensor.Tensor
}

func (l *Conv2D) foldable(c int) bool { return l.act.name == "linear" && c == l.Filters }
func (l *Conv2D) foldParams() (kernel, bias *Param, fold *convFold) {
	return l.kernel, l.bias, &l.fold
}

// inferenceScaleShift sets scale and shift (per channel) so that the
// inference Forward computes y = x*scale + shift, as Forward does.
func (l *BatchNormalization) inferenceScaleShift(scale, shift []float64) {
	eps := l.epsilon()
	for j := 0; j < l.c; j++ {
		g, b := l.scaleShift(j)
		mean := float64(l.movingMean.Value.Data[j])
		scale[j] = g * (1 / math.Sqrt(float64(l.movingVar.Value.Data[j])+eps))
		shift[j] = b - mean*scale[j]
	}
}

// set computes the folded kernel and bias of a layer (kernel, bias: its
// own; the kernel's last axes are the output channels, as bn's) followed
// by bn (see graphFolds), in float64 rounded once.
func (f *convFold) set(kernel, bias *Param, bn *BatchNormalization) {
	units := bn.c
	if f.kernel == nil {
		f.kernel = &Param{Value: tensor.New(kernel.Value.Shape...)}
		f.bias = &Param{Value: tensor.New(units)}
		f.scale, f.shift = make([]float64, units), make([]float64, units)
	}
	bn.inferenceScaleShift(f.scale, f.shift)
	w, fw := kernel.Value.Data, f.kernel.Value.Data
	for r := 0; r < len(w); r += units {
		for j, v := range w[r : r+units] {
			fw[r+j] = float32(float64(v) * f.scale[j])
		}
	}
	for j, s := range f.shift {
		b := 0.0
		if bias != nil {
			b = float64(bias.Value.Data[j])
		}
		f.bias.Value.Data[j] = float32(b*f.scale[j] + s)
	}
}

// forwardFolded is the Conv2D's: Forward with the folded kernel and bias
// (a pointwise convolution in tiles of rows, forwardPointwiseFolded).
func (l *Conv2D) forwardFolded(x *tensor.Tensor, act *activation) *tensor.Tensor {
	kernel, bias, own := l.kernel, l.bias, l.act
	defer func() { l.kernel, l.bias, l.act = kernel, bias, own }()
	l.kernel, l.bias = l.fold.kernel, l.fold.bias
	if act != nil {
		l.act = act
	}
	if l.pointwise() && !l.useWinograd() {
		return l.forwardPointwiseFolded(x, act)
	}
	return l.Forward(x, false)
}

// foldTileValues is the most values of an input or output tile of a
// folded pointwise convolution: 256 KiB, in the L2 cache from the bias
// fill through the product to the activation.
const foldTileValues = 64 << 10

// forwardPointwiseFolded is Forward of a 1×1 stride-1 convolution (its
// patch matrix is x) in tiles of rows: the bias written, the product
// added and act applied while a tile's outputs are in the cache, instead
// of three passes over y. Each output row depends on its own input row
// only (affine.gemmRows), so the tiles give Forward's bits.
func (l *Conv2D) forwardPointwiseFolded(x *tensor.Tensor, act *activation) *tensor.Tensor {
	g := l.geom
	g.N = batchOf(l, x, l.in)
	l.geom = g
	m, k, units := g.Rows(), g.Cols(), l.units()
	y := output(l.arena, &l.y, x, g.N, l.out)
	l.x = x.Data
	t := max(kernels.ReductionStep, foldTileValues/max(k, units))
	for r0 := 0; r0 < m; r0 += t {
		r1 := min(m, r0+t)
		l.gemmRows(x.Data[r0*k:r1*k], r0, r1, k, y.Data)
		if act != nil {
			seg := y.Data[r0*units : r1*units]
			act.forward(seg, seg, units)
		}
	}
	return y
}

// convFold is a Conv2D's or DepthwiseConv2D's folded kernel and bias
// (forwardFolded).
type convFold struct {
	kernel, bias *Param
	scale, shift []float64
}
