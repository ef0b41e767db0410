package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// affine is the core Conv2D (after im2col) and Dense share: over rows of
// a matrix A (rows × in), y = act(A·kernel + bias) with kernel (in × units),
// and the matching gradients.
type affine struct {
	kernel, bias *Param
	act          *activation
	logitsGrad   bool
	z            *tensor.Tensor // pre-activation copy, when act needs it
	biasSums     []float64      // sumRows' scratch
}

func (f *affine) activationName() string { return f.act.name }
func (f *affine) setLogitsGrad(on bool)  { f.logitsGrad = on }

// Params lists kernel and, unless use_bias is off, bias.
func (f *affine) Params() []*Param {
	if f.bias == nil {
		return []*Param{f.kernel}
	}
	return []*Param{f.kernel, f.bias}
}

// forward: a (rows, in) -> y (rows, units) = act(a·kernel + bias), the bias
// entering as the GEMM's starting C.
func (f *affine) forward(a []float32, rows, in int, y *tensor.Tensor) {
	units := f.kernel.Value.Shape[len(f.kernel.Value.Shape)-1]
	var beta float32
	if f.bias != nil {
		fillRows(y.Data, f.bias.Value.Data)
		beta = 1
	}
	kernels.Sgemm(false, false, rows, units, in, 1, a, in, f.kernel.Value.Data, units, beta, y.Data, units)
	f.z = applyActivation(f.act, y, f.z, units)
}

// backward: dy (rows, units) -> dz in place; dkernel = aᵀ·dz; dbias = Σ dz;
// and, when da is not nil, da (rows, in) = dz·kernelᵀ.
func (f *affine) backward(a []float32, rows, in int, y, dy *tensor.Tensor, da []float32) {
	units := f.kernel.Value.Shape[len(f.kernel.Value.Shape)-1]
	if !f.logitsGrad {
		activationBackward(f.act, dy, y, f.z, units)
	}
	kernels.Sgemm(true, false, in, units, rows, 1, a, in, dy.Data, units, 0, f.kernel.Grad.Data, units)
	if f.bias != nil {
		sumRows(f.bias.Grad.Data, dy.Data, &f.biasSums)
	}
	if da != nil {
		kernels.Sgemm(false, true, rows, in, units, 1, dy.Data, units, f.kernel.Value.Data, units, 0, da, in)
	}
}
