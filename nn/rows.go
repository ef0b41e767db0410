package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// Small row-wise helpers shared by the layers. A matrix here is a flat
// slice of rows of len(v) (or n) values.

// fillRows sets every row of dst to v (used to start a GEMM from the bias):
// the first row, then copies of what is filled, doubling, so that a few
// long copies replace one short copy per row (16 values for a 16-filter
// convolution).
func fillRows(dst, v []float32) {
	n := len(v)
	dst = dst[:len(dst)-len(dst)%max(n, 1)]
	if n == 0 || len(dst) == 0 {
		return
	}
	copy(dst, v)
	for done := n; done < len(dst); done *= 2 {
		copy(dst[done:], dst[:done])
	}
}

// sumRows overwrites dst with the sum of the rows of src (the bias
// gradient). Summation runs in float64 in row order (kernels.SumRows64,
// vectorized across columns), so it is exact enough and independent of
// threads. scratch holds the float64 sums between calls.
func sumRows(dst, src []float32, scratch *[]float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	acc := growFloat64(scratch, n) // SumRows64 adds into acc
	kernels.SumRows64(acc, src[:len(src)/n*n])
	for j := range dst {
		dst[j] = float32(acc[j])
	}
}

// growFloat64 returns n zeros in *scratch, reusing its array when it can.
func growFloat64(scratch *[]float64, n int) []float64 {
	if cap(*scratch) < n {
		*scratch = make([]float64, n)
	}
	acc := (*scratch)[:n]
	clear(acc)
	return acc
}

// elementwiseGrain is the fewest elements worth handing to another core.
const elementwiseGrain = 1 << 15

// applyActivation applies act to y in place (rows of n values). When the
// derivative needs the pre-activation, z receives a copy of it first; the
// (possibly reallocated) z is returned.
func applyActivation(act *activation, y, z *tensor.Tensor, n int) *tensor.Tensor {
	if act.name == "linear" {
		return z
	}
	if act.needsZ {
		z = tensor.Ensure(z, y.Shape...)
		copy(z.Data, y.Data)
	}
	rows := len(y.Data) / n
	kernels.ForEachChunk(rows, max(1, elementwiseGrain/n), func(lo, hi int) {
		seg := y.Data[lo*n : hi*n]
		act.forward(seg, seg, n)
	})
	return z
}

// applyActivationFrom writes act(x) into y (rows of n values) without
// first copying x there, as applyActivation does in place. When the
// derivative needs the pre-activation, z receives a copy of x; the
// (possibly reallocated) z is returned.
func applyActivationFrom(act *activation, y, x, z *tensor.Tensor, n int) *tensor.Tensor {
	if act.needsZ {
		z = tensor.Ensure(z, x.Shape...)
		copy(z.Data, x.Data)
	}
	rows := len(y.Data) / n
	kernels.ForEachChunk(rows, max(1, elementwiseGrain/n), func(lo, hi int) {
		act.forward(y.Data[lo*n:hi*n], x.Data[lo*n:hi*n], n)
	})
	return z
}

// activationBackward turns dy into dz in place, given y = act(z).
func activationBackward(act *activation, dy, y, z *tensor.Tensor, n int) {
	if act.name == "linear" {
		return
	}
	rows := len(y.Data) / n
	kernels.ForEachChunk(rows, max(1, elementwiseGrain/n), func(lo, hi int) {
		var zs []float32
		if act.needsZ {
			zs = z.Data[lo*n : hi*n]
		}
		act.backward(dy.Data[lo*n:hi*n], y.Data[lo*n:hi*n], zs, n)
	})
}

// ensureBatch returns a tensor of shape (n, per...), reusing t when it
// already has that shape (no allocation in the steady state), or the
// storage of t when it holds enough: an epoch's smaller last batch and
// the full ones after it do not reallocate every buffer of the model
// (each time leaving the old ones to the garbage collector).
func ensureBatch(t *tensor.Tensor, n int, per tensor.Shape) *tensor.Tensor {
	if t != nil && len(t.Shape) == len(per)+1 && t.Shape[1:].Equal(per) {
		if need := n * per.Size(); t.Shape[0] == n || cap(t.Data) >= need {
			t.Shape[0], t.Data = n, t.Data[:need]
			return t
		}
	}
	return tensor.New(append([]int{n}, per...)...)
}
