package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// affine is the core Conv2D (after im2col) and Dense share: over rows of
// a matrix A (rows × in), y = act(A·kernel + bias) with kernel (in × units),
// and the matching gradients. Conv2D runs the products on tiles of rows
// (gemmRows, the dkernel accumulation and the da tiles); Dense on all rows.
type affine struct {
	kernel, bias *Param
	act          *activation
	logitsGrad   bool
	z            *tensor.Tensor // pre-activation copy, when act needs it
	biasSums     []float64      // sumRows' scratch
	arena        *arena         // where dx and inference outputs go (nil: the layer's own buffers)
	maskOut      bool           // the output may be overwritten: relu's mask is kept as bits
	mask         []uint64
}

func (f *affine) setArena(a *arena) { f.arena = a }

func (f *affine) activationName() string { return f.act.name }
func (f *affine) setLogitsGrad(on bool)  { f.logitsGrad = on }

// Params lists kernel and, unless use_bias is off, bias.
func (f *affine) Params() []*Param {
	if f.bias == nil {
		return []*Param{f.kernel}
	}
	return []*Param{f.kernel, f.bias}
}

func (f *affine) units() int { return f.kernel.Value.Shape[len(f.kernel.Value.Shape)-1] }

// forward: a (rows, in) -> y (rows, units) = act(a·kernel + bias).
func (f *affine) forward(a []float32, rows, in int, y *tensor.Tensor) {
	f.gemmRows(a, 0, rows, in, y.Data)
	f.activate(y)
}

// gemmRows computes rows [r0, r1) of y before the activation: a holds
// those rows of A ((r1-r0) × in), and the bias enters as the GEMM's
// starting C. Each row depends on its own row of A only, so tiling the
// rows does not change a bit.
func (f *affine) gemmRows(a []float32, r0, r1, in int, y []float32) {
	f.gemmRowsBy(kernels.Sgemm, a, r0, r1, in, y)
}

// sgemmFunc is kernels.Sgemm or kernels.SgemmSerial.
type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// gemmRowsBy is gemmRows with the product computed by gemm.
func (f *affine) gemmRowsBy(gemm sgemmFunc, a []float32, r0, r1, in int, y []float32) {
	units := f.units()
	out := y[r0*units : r1*units]
	beta := f.biasRows(out)
	gemm(false, false, r1-r0, units, in, 1, a, in, f.kernel.Value.Data, units, beta, out, units)
}

// biasRows fills the rows of out with the bias, when the layer has one,
// and returns the beta of the product added to them (1, or 0 without a
// bias: out is not read).
func (f *affine) biasRows(out []float32) float32 {
	if f.bias == nil {
		return 0
	}
	fillRows(out, f.bias.Value.Data)
	return 1
}

// activate applies the activation to y in place (keeping z when the
// activation's gradient needs it).
func (f *affine) activate(y *tensor.Tensor) {
	f.z = applyActivation(f.act, y, f.z, f.units())
	if f.maskOut && f.act.name == "relu" {
		f.mask = keepReluMask(f.mask, y.Data)
	}
}

// backward: dy (rows, units) -> dz in place; dkernel = aᵀ·dz; dbias = Σ dz;
// and, when da is not nil, da (rows, in) = dz·kernelᵀ.
func (f *affine) backward(a []float32, rows, in int, y, dy *tensor.Tensor, da []float32) {
	units := f.units()
	f.gradZ(y, dy)
	if !skipGrad(f.kernel) {
		f.kernelGrad(a, rows, in, dy.Data, 0)
	}
	if da != nil {
		kernels.Sgemm(false, true, rows, in, units, 1, dy.Data, units, f.kernel.Value.Data, units, 0, da, in)
	}
}

// gradZ turns dy into dz (the gradient before the activation) in place
// and sets the bias gradient Σ dz. relu's kept mask and the bias sums go
// in one pass over dy (kernels.ApplyReluMaskSumRows64: the bits of the
// mask's pass followed by sumRows).
func (f *affine) gradZ(y, dy *tensor.Tensor) {
	switch {
	case f.logitsGrad:
	case f.maskOut && f.act.name == "relu" && !skipGrad(f.bias):
		b := f.bias.Grad.Data
		acc := growFloat64(&f.biasSums, len(b))
		kernels.ApplyReluMaskSumRows64(acc, dy.Data[:len(dy.Data)/len(b)*len(b)], f.mask)
		for j := range b {
			b[j] = float32(acc[j])
		}
		return
	case f.maskOut:
		if f.act.name == "relu" {
			applyReluMask(dy.Data, f.mask)
		}
	default:
		activationBackward(f.act, dy, y, f.z, f.units())
	}
	if !skipGrad(f.bias) {
		sumRows(f.bias.Grad.Data, dy.Data, &f.biasSums)
	}
}

// kernelGrad adds aᵀ·dz of a tile of rows into the kernel gradient: with
// beta 0 it starts the gradient (the first tile), with beta 1 it adds to
// it (the later ones, in row order: the sum's order depends only on the
// shape and the tiling, never on threads).
func (f *affine) kernelGrad(a []float32, rows, in int, dz []float32, beta float32) {
	units := f.units()
	kernels.Sgemm(true, false, in, units, rows, 1, a, in, dz[:rows*units], units, beta, f.kernel.Grad.Data, units)
}
