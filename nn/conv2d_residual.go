package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// A Graph's inference Forward can hand a Conv2D (with its
// BatchNormalization folded in, or linear) the other operand of the Add
// that reads its output, when relu follows the Add and that operand was
// computed before the convolution (graph_fold.go: a residual block's
// shortcut). The Conv2D then writes relu(conv + res), the bits of
// kernels.Add2Relu with the Add's operands in the Add's order, applied to
// each tile of its output (im2col and direct paths) or run of Winograd
// tiles (kernels.WinogradConvResidual) while it is in the cache, instead
// of the Add's pass over the two tensors.

// convResidual is the residual of one Forward (x nil: none).
type convResidual struct {
	x     []float32
	first bool // x is the Add's first operand
}

// forwardResidual is the inference Forward with relu(y + res) (res
// first when first) as its output; with folded, the folded kernel and
// bias (forwardFolded).
func (l *Conv2D) forwardResidual(x, res *tensor.Tensor, first, folded bool) *tensor.Tensor {
	own := l.act
	l.res = convResidual{x: res.Data, first: first}
	defer func() { l.res, l.act = convResidual{}, own }()
	if folded {
		return l.forwardFolded(x, activations["relu"])
	}
	l.act = activations["relu"]
	return l.Forward(x, false)
}

// residualFoldable reports whether a Graph may hand the Conv2D a
// residual: linear, and not a 1x1 stride-1 kernel (whose folded Forward,
// forwardPointwiseFolded, has no residual).
func (l *Conv2D) residualFoldable() bool { return l.act.name == "linear" && !l.pointwise() }

// residualRows applies relu(y + res) to rows [r0, r1) of y.
func (l *Conv2D) residualRows(y []float32, r0, r1 int) {
	units := l.units()
	seg, res := y[r0*units:r1*units], l.res.x[r0*units:r1*units]
	if l.res.first {
		kernels.Add2Relu(seg, res, seg)
	} else {
		kernels.Add2Relu(seg, seg, res)
	}
}

// residualAll applies relu(y + res) to every row of y, rows in parallel:
// where no tile or Winograd run did.
func (l *Conv2D) residualAll(y []float32) {
	units := l.units()
	kernels.ForEachChunk(len(y)/units, max(1, elementwiseGrain/units), func(lo, hi int) {
		l.residualRows(y, lo, hi)
	})
}
