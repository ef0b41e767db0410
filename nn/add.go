package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	registerLayer("Add", layerKind{make: func(LayerSpec) (Layer, error) { return &Add{}, nil }})
}

// Add is Keras' Add: the elementwise sum of its inputs (a residual
// connection), broadcasting axes of size 1.
type Add struct {
	named
	merge
	fused     actFusion           // the activation after it, applied by ForwardInputs and undone by BackwardInputs (graph_fuse.go)
	bn        *BatchNormalization // the operand that may leave its output to the Add (batchnorm_add.go)
	bnSide    int                 // which operand bn is
	bnRan     bool                // the last Forward applied bn
	maskSrc   []float32           // the last Backward's dy, whose masked copy the other operand's gradient is (maskedOf)
	eagerMask bool                // write that copy in BackwardInputs (A/B benchmarks only)
}

func (l *Add) fuseActivation(a *activation) { l.fused.act = a }

func (l *Add) Type() string { return "Add" }

func (l *Add) BuildInputs(in []tensor.Shape) (tensor.Shape, error) { return l.buildBroadcast(in) }

// ForwardInputs: xs[i] (N, ...) -> y (N, ...) = Σ_i xs[i].
func (l *Add) ForwardInputs(xs []*tensor.Tensor, training bool) *tensor.Tensor {
	n := l.checkInputs(l, xs)
	y := output(l.arena, &l.y, xs[0], n, l.out)
	l.fused.y = y.Data
	act, c := l.fused.act, l.out[len(l.out)-1]
	if l.forwardBN(xs, y) {
		return y
	}
	if l.plain() {
		kernels.ForEachChunk(len(y.Data), elementwiseGrain, func(lo, hi int) {
			ys := y.Data[lo:hi]
			if act != nil && act.name == "relu" && len(xs) == 2 { // one pass, the bits of add then relu
				kernels.Add2Relu(ys, xs[0].Data[lo:hi], xs[1].Data[lo:hi])
				return
			}
			kernels.Add2(ys, xs[0].Data[lo:hi], xs[1].Data[lo:hi])
			for _, x := range xs[2:] {
				kernels.AddTo(ys, x.Data[lo:hi])
			}
			if act != nil {
				act.forward(ys, ys, c)
			}
		})
		return y
	}
	l.broadcastSum(xs, y, n)
	if act != nil {
		act.forward(y.Data, y.Data, c)
	}
	return y
}

// broadcastSum writes Σ xs[i] into y, input by input, broadcasting.
func (l *Add) broadcastSum(xs []*tensor.Tensor, y *tensor.Tensor, n int) {
	size := l.out.Size()
	for i, x := range xs {
		if l.maps[i] == nil {
			if i == 0 {
				copy(y.Data, x.Data)
				continue
			}
			for k, v := range x.Data {
				y.Data[k] += v
			}
			continue
		}
		for b := 0; b < n; b++ {
			ys := y.Data[b*size : (b+1)*size]
			for o := range ys {
				if i == 0 {
					ys[o] = l.value(i, b, o)
				} else {
					ys[o] += l.value(i, b, o)
				}
			}
		}
	}
}

// BackwardInputs: dxs[i] = dy, summed over the axes input i broadcasts on.
// The first input of the output's shape gets dy itself, the others copies.
func (l *Add) BackwardInputs(dy *tensor.Tensor) []*tensor.Tensor {
	n := dy.Shape[0]
	if l.bnRan {
		return l.backwardBN(dy, n)
	}
	if l.plain() && len(l.in) == 2 && l.fused.act != nil {
		return l.backwardFused(dy, n)
	}
	l.fused.backward(dy.Data, l.out[len(l.out)-1])
	given := false
	for i := range l.in {
		switch {
		case l.maps[i] == nil && !given:
			l.dxs[i], given = dy, true
		case l.maps[i] == nil:
			l.dxs[i] = l.gradCopy(i, dy, n)
			copy(l.dxs[i].Data, dy.Data)
		default:
			l.dxs[i] = ensureOwn(l.dxs[i], dy, n, l.in[i])
			l.reduceInto(i, l.dxs[i].Data, dy.Data, n)
		}
	}
	return l.dxs
}

// gradCopy returns the buffer input i's gradient, a copy of dy, is written
// into: a gradient slab of the Graph's arena in its Backward
// (graph_grads.go), else a buffer of the layer's own.
func (l *Add) gradCopy(i int, dy *tensor.Tensor, n int) *tensor.Tensor {
	if a := l.arena; a != nil && a.grads.on {
		return a.grads.take(n, l.in[i], n*a.perSample)
	}
	if a := l.arena; a != nil && a.grads.holding(l.dxs[i]) {
		l.dxs[i] = nil // a slab's, from a Graph's Backward
	}
	return ensureOwn(l.dxs[i], dy, n, l.in[i])
}

// ensureOwn is ensureBatch for a buffer that must not be dy itself (it may
// hold dy from the previous step's BackwardInputs).
func ensureOwn(t, dy *tensor.Tensor, n int, per tensor.Shape) *tensor.Tensor {
	if t == dy {
		t = nil
	}
	return ensureBatch(t, n, per)
}

// backwardFused is BackwardInputs of two inputs of the output's shape
// after a fused activation: dy turned into the gradient before it and
// copied for the second input, chunk by chunk, in one pass.
func (l *Add) backwardFused(dy *tensor.Tensor, n int) []*tensor.Tensor {
	l.dxs[1] = l.gradCopy(1, dy, n)
	l.dxs[0] = dy
	act, c, d := l.fused.act, l.out[len(l.out)-1], l.dxs[1].Data
	kernels.ForEachChunk(len(dy.Data), elementwiseGrain, func(lo, hi int) {
		act.backward(dy.Data[lo:hi], l.fused.y[lo:hi], nil, c)
		copy(d[lo:hi], dy.Data[lo:hi])
	})
	return l.dxs
}
