package kernels

import (
	"fmt"
	"math"
)

// The batch-normalization kernels of a training step whose relu6 or relu
// is fused after the BatchNormalization, with the activation's gradient
// kept as bits: one bit per value (value i of a slice: bit i%8 of
// keep[i/8]), set where the activation passes the gradient (Relu6Grad's
// and ReluGrad's rules). Forward writes them with the activation's output
// (NormApplyRelu6Keep, NormApplyReluKeep); Backward's sums and input
// gradient read them (NormSumsKeep, NormGradKeep) instead of the
// activation's output, and dy is not written between the two passes. The
// results are the bits of NormApply with Relu6 or Relu, NormSumsRelu6 (or
// ReluGrad and NormSums(round)) and NormGrad(round). The assembly takes
// channel counts that are multiples of 8 (a byte of bits per vector of 8
// channels); other counts run the Go twins.

// NormApplyRelu6Keep is NormApplyRelu6, which also sets the bits of keep
// (len(x) of them) where relu6 passes its gradient. It panics unless
// len(y) == len(x), a multiple of c = len(scale), and keep holds
// len(x) bits.
func NormApplyRelu6Keep(y, x []float32, scale, shift []float64, keep []byte) {
	c := checkNorm("NormApplyRelu6Keep", len(x), scale, shift)
	sameLen("NormApplyRelu6Keep", "y", len(y), "x", len(x))
	checkKeep("NormApplyRelu6Keep", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.applyRelu6Keep(y, x, scale[:c], shift[:c], keep)
	}
}

// NormApplyReluKeep is NormApply followed by Relu on y, which also sets
// the bits of keep where relu passes its gradient (ReluGrad's rule).
func NormApplyReluKeep(y, x []float32, scale, shift []float64, keep []byte) {
	c := checkNorm("NormApplyReluKeep", len(x), scale, shift)
	sameLen("NormApplyReluKeep", "y", len(y), "x", len(x))
	checkKeep("NormApplyReluKeep", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.applyReluKeep(y, x, scale[:c], shift[:c], keep)
	}
}

// NormApplyAddReluKeep is NormApply, then Add2Relu with r (y = relu(bn(x)
// + r), the bits of the two passes), which also sets the bits of keep
// where relu passes its gradient (ReluGrad's rule): a BatchNormalization
// whose only reader is a residual Add with relu fused after it. x and y
// may be the same slice. It panics unless y and r are shaped as x, a
// multiple of c = len(scale), and keep holds len(x) bits.
func NormApplyAddReluKeep(y, x, r []float32, scale, shift []float64, keep []byte) {
	c := checkNorm("NormApplyAddReluKeep", len(x), scale, shift)
	sameLen("NormApplyAddReluKeep", "y", len(y), "x", len(x))
	sameLen("NormApplyAddReluKeep", "r", len(r), "x", len(x))
	checkKeep("NormApplyAddReluKeep", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.applyAddReluKeep(y, x, r, scale[:c], shift[:c], keep)
	}
}

// NormSumsKeep is NormSums(s, q, a, b, x, dy', true) (groups of
// SumsGroupRows rows, see NormSums), dy' being dy with the values whose
// keep bit is clear zeroed; dy is not written. It panics
// unless len(x) is a multiple of c = len(a), dy is shaped as x, keep
// holds len(x) bits and the other slices hold c values.
func NormSumsKeep(s, q, a, b []float64, x, dy []float32, keep []byte) {
	c := checkNorm("NormSumsKeep", len(x), a, b, s, q)
	sameLen("NormSumsKeep", "dy", len(dy), "x", len(x))
	checkKeep("NormSumsKeep", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.sumsKeep(s[:c], q[:c], a[:c], b[:c], x, dy, keep)
	}
}

// NormGradKeep is NormGrad(dy', x, a, b, k, m1, m2, true), dy' being dy
// with the values whose keep bit is clear zeroed: the input gradient of
// a BatchNormalization in training with its activation's gradient applied.
func NormGradKeep(dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
	c := checkNorm("NormGradKeep", len(x), a, b, k, m1, m2)
	sameLen("NormGradKeep", "dy", len(dy), "x", len(x))
	checkKeep("NormGradKeep", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.gradKeep(dy, x, a[:c], b[:c], k[:c], m1[:c], m2[:c], keep)
	}
}

// NormGradKeepTo is NormGradKeep writing the input gradient to dx and
// leaving dy as it is. dx may be dy.
func NormGradKeepTo(dx, dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
	c := checkNorm("NormGradKeepTo", len(x), a, b, k, m1, m2)
	sameLen("NormGradKeepTo", "dy", len(dy), "x", len(x))
	sameLen("NormGradKeepTo", "dx", len(dx), "x", len(x))
	checkKeep("NormGradKeepTo", keep, len(x))
	if c > 0 && len(x) > 0 {
		bn.gradKeepTo(dx, dy, x, a[:c], b[:c], k[:c], m1[:c], m2[:c], keep)
	}
}

// AddKept adds x[i] to y[i] where bit i%8 of keep[i/8] is set and +0
// where it is clear: AddTo(y, x') with x' a copy of x masked by the bits
// (CopyKept), without the copy. It runs on the calling goroutine and
// panics unless x is shaped as y and keep holds len(y) bits.
func AddKept(y, x []float32, keep []byte) {
	sameLen("AddKept", "x", len(x), "y", len(y))
	checkKeep("AddKept", keep, len(y))
	bn.addKept(y, x, keep)
}

// SumsGroupRows is the rows of a group of Backward's sums (NormSums with
// dy, NormSumsRelu6, NormSumsKeep), summed apart before they are added to
// s and q; callers that sum a run of rows in pieces cut them at
// multiples of it.
const SumsGroupRows = 16

func checkKeep(fn string, keep []byte, n int) {
	if len(keep) < (n+7)/8 {
		panic(fmt.Sprintf("kernels.%s: keep holds %d bytes, want %d for %d values", fn, len(keep), (n+7)/8, n))
	}
}

// kept reports bit i of keep.
func kept(keep []byte, i int) bool { return keep[i/8]>>(i%8)&1 != 0 }

// normApplyRelu6KeepGo is NormApplyRelu6Keep's twin.
func normApplyRelu6KeepGo(y, x []float32, scale, shift []float64, keep []byte) {
	normApplyRelu6Go(y, x, scale, shift)
	clear(keep[:(len(x)+7)/8])
	for i, v := range y[:len(x)] {
		if math.Float32bits(v)-1 < six1 { // relu6GradGo's rule
			keep[i/8] |= 1 << (i % 8)
		}
	}
}

// normApplyReluKeepGo is NormApplyReluKeep's twin.
func normApplyReluKeepGo(y, x []float32, scale, shift []float64, keep []byte) {
	normApplyGo(y, x, scale, shift)
	reluGo(y[:len(x)], y[:len(x)])
	clear(keep[:(len(x)+7)/8])
	for i, v := range y[:len(x)] {
		if -int32(math.Float32bits(v)) < 0 { // reluGradGo's rule
			keep[i/8] |= 1 << (i % 8)
		}
	}
}

// normApplyAddReluKeepGo is NormApplyAddReluKeep's twin.
func normApplyAddReluKeepGo(y, x, r []float32, scale, shift []float64, keep []byte) {
	normApplyGo(y, x, scale, shift)
	add2ReluGo(y[:len(x)], y[:len(x)], r[:len(x)])
	clear(keep[:(len(x)+7)/8])
	for i, v := range y[:len(x)] {
		if -int32(math.Float32bits(v)) < 0 { // reluGradGo's rule
			keep[i/8] |= 1 << (i % 8)
		}
	}
}

// normSumsKeepGo is NormSumsKeep's twin: groupSumsGo on dy where the
// bits are set and +0 elsewhere.
func normSumsKeepGo(s, q, a, b []float64, x, dy []float32, keep []byte) {
	groupSumsGo(s[:len(a)], q, a, b, len(x)/len(a), func(i int) (e, v float32) {
		if kept(keep, i) {
			e = dy[i]
		}
		return e, x[i]
	})
}

// normGradKeepToGo is NormGradKeepTo's twin.
func normGradKeepToGo(dx, dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
	c := len(a)
	for r := 0; r+c <= len(x); r += c {
		for j, v := range x[r : r+c] {
			d := 0.0
			if kept(keep, r+j) {
				d = float64(dy[r+j])
			}
			dx[r+j] = gradOne(d, float64(v), j, a, b, k, m1, m2)
		}
	}
}

// addKeptGo is AddKept's twin.
func addKeptGo(y, x []float32, keep []byte) {
	for i := range y {
		v := float32(0)
		if kept(keep, i) {
			v = x[i]
		}
		y[i] += v
	}
}

// normGradKeepGo is NormGradKeep's twin.
func normGradKeepGo(dy, x []float32, a, b, k, m1, m2 []float64, keep []byte) {
	normGradKeepToGo(dy, dy, x, a, b, k, m1, m2, keep)
}
