package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// Dense is Keras' Dense: y = act(x·kernel + bias) over the last axis, with
// kernel (in, units). Inputs of higher rank are treated as rows of their
// last axis, as Keras does.
type Dense struct {
	named
	Units             int
	NoBias            bool   // Keras' use_bias=False
	Activation        string // "" = linear
	KernelInitializer string // "" = glorot_uniform
	BiasInitializer   string // "" = zeros

	kernel, bias *Param
	act          *activation
	in, out      tensor.Shape
	logitsGrad   bool

	x        *tensor.Tensor
	y, z, dx *tensor.Tensor
}

func (l *Dense) Type() string           { return "Dense" }
func (l *Dense) activationName() string { return l.act.name }
func (l *Dense) setLogitsGrad(on bool)  { l.logitsGrad = on }
func (l *Dense) Params() []*Param {
	if l.bias == nil {
		return []*Param{l.kernel}
	}
	return []*Param{l.kernel, l.bias}
}

func (l *Dense) Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error) {
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return nil, fmt.Errorf("expects an input with a last axis, got %v", in)
	}
	if l.Units <= 0 {
		return nil, fmt.Errorf("units must be positive, got %d", l.Units)
	}
	var err error
	if l.act, err = lookupActivation(l.Activation); err != nil {
		return nil, err
	}
	l.in = in.Clone()
	nin := in[len(in)-1]
	kinit, err := lookupInitializer(l.KernelInitializer, "glorot_uniform")
	if err != nil {
		return nil, err
	}
	l.kernel = newParam("kernel", true, nin, l.Units)
	kinit(l.kernel.Value.Data, nin, l.Units, rng)
	if !l.NoBias {
		binit, err := lookupInitializer(l.BiasInitializer, "zeros")
		if err != nil {
			return nil, err
		}
		l.bias = newParam("bias", true, l.Units)
		binit(l.bias.Value.Data, l.Units, l.Units, rng)
	}
	l.out = append(in[:len(in)-1].Clone(), l.Units)
	return l.out, nil
}

// Forward: x (N, ..., in) -> y (N, ..., units) = x·kernel + bias.
func (l *Dense) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	n := batchOf(l, x, l.in)
	nin, u := l.in[len(l.in)-1], l.Units
	rows := len(x.Data) / nin
	l.x = x
	l.y = ensureBatch(l.y, n, l.out)
	var beta float32
	if l.bias != nil {
		fillRows(l.y.Data, l.bias.Value.Data)
		beta = 1
	}
	kernels.Sgemm(false, false, rows, u, nin, 1, x.Data, nin, l.kernel.Value.Data, u, beta, l.y.Data, u)
	l.z = applyActivation(l.act, l.y, l.z, u)
	return l.y
}

// Backward: dy (rows, units) -> dz; dkernel = xᵀ·dz (in, units);
// dbias = Σ dz; dx = dz·kernelᵀ (rows, in).
func (l *Dense) Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor {
	nin, u := l.in[len(l.in)-1], l.Units
	rows := len(dy.Data) / u
	if !l.logitsGrad {
		activationBackward(l.act, dy, l.y, l.z, u)
	}
	kernels.Sgemm(true, false, nin, u, rows, 1, l.x.Data, nin, dy.Data, u, 0, l.kernel.Grad.Data, u)
	if l.bias != nil {
		sumRows(l.bias.Grad.Data, dy.Data)
	}
	if !needDx {
		return nil
	}
	l.dx = ensureBatch(l.dx, l.x.Shape[0], l.in)
	kernels.Sgemm(false, true, rows, nin, u, 1, dy.Data, u, l.kernel.Value.Data, u, 0, l.dx.Data, nin)
	return l.dx
}
