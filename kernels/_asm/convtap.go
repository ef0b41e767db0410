package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// A stride-1 convolution with three kernel columns computed with each
// input value broadcast once for the three taps that read it
// (convtap_amd64.s, AVX-512 only; kernels.ConvRowsDirect). A call
// computes r consecutive output positions of one output row, 16 filters
// (one zmm accumulator per position): for every kernel row and input
// channel it loads the three taps' weight vectors, then broadcasts the
// r+2 input pixels' values of that channel in turn, each added with one
// FMA into the (up to) three positions it meets. Each output's sum runs
// from zero over kernel rows, then channels, then kernel columns.

// convTapMaxRows is the most positions a call computes: r accumulators,
// three weights and a broadcast in the 32 zmm registers.
const convTapMaxRows = 24

func genConvTap() {
	for _, e := range []tapEdges{{}, {left: true}, {right: true}, {left: true, right: true}} {
		for r := convTapMaxRows; r >= 1; r-- {
			genConvTapRows(r, e)
		}
	}
}

// tapEdges marks a call at the left or right border of a row read in
// place: its first (left) or last (right) input pixel is padding, never
// read (a zero term left out); with left, x points at pixel 1.
type tapEdges struct{ left, right bool }

func (e tapEdges) suffix() string {
	switch {
	case e.left && e.right:
		return "LR"
	case e.left:
		return "L"
	case e.right:
		return "R"
	}
	return ""
}

// genConvTapRows emits convTap<r>x16AVX512: for positions i < r and
// lanes j < 16,
//
//	y[i*ldy + j] = Σ_{h<kh} Σ_{ch<c} Σ_{t<3} x[h*ldx + (i+t)*c + ch] * w[((h*3+t)*c + ch)*ldw + j]  (+ bias[j])
//
// each sum from zero with one FMA per term in that order (h, then ch,
// then t), the bias (when not nil) added last.
func genConvTapRows(r int, e tapEdges) {
	name := fmt.Sprintf("convTap%dx16%sAVX512", r, e.suffix())
	b.TEXT(name, b.NOSPLIT, "func(kh, c int, x *float32, ldx int, w *float32, ldw int, y *float32, ldy int, bias *float32)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s: %d positions, edges %q, of kernels.tapKernelFunc (convTapGo: the same terms in the same order).", name, r, e.suffix()))
	acc := make([]reg.VecVirtual, r)
	for i := range acc {
		acc[i] = b.ZMM()
		b.VPXORD(acc[i], acc[i], acc[i])
	}
	s := load64("c")
	b.SHLQ(op.U8(2), s) // bytes between two input pixels
	s3 := b.GP64()
	b.LEAQ(op.Mem{Base: s, Index: s, Scale: 2}, s3)
	ldwb := load64("ldw")
	b.SHLQ(op.U8(2), ldwb)
	cf := b.GP64() // bytes between two kernel columns' weights
	b.MOVQ(s, cf)
	b.IMULQ(load64("ldw"), cf)
	ldxb := load64("ldx")
	b.SHLQ(op.U8(2), ldxb)
	xrow, wc, khc := load64("x"), load64("w"), load64("kh")

	b.Label(name + "_kh")
	xc, cc := b.GP64(), load64("c")
	b.MOVQ(xrow, xc)
	b.Label(name + "_c")
	convTapChannel(acc, e, xc, wc, cf, s, s3)
	b.ADDQ(op.U8(4), xc)
	b.ADDQ(ldwb, wc)
	b.DECQ(cc)
	b.JNZ(op.LabelRef(name + "_c"))
	b.ADDQ(ldxb, xrow)
	b.LEAQ(op.Mem{Base: wc, Index: cf, Scale: 2}, wc) // the next kernel row's first column
	b.DECQ(khc)
	b.JNZ(op.LabelRef(name + "_kh"))

	bias := load64("bias")
	b.TESTQ(bias, bias)
	b.JZ(op.LabelRef(name + "_store"))
	for i := range acc {
		b.VADDPS(op.Mem{Base: bias}, acc[i], acc[i])
	}
	b.Label(name + "_store")
	yp, ldy := load64("y"), load64("ldy")
	b.SHLQ(op.U8(2), ldy)
	for i := range acc {
		b.VMOVUPS(acc[i], op.Mem{Base: yp})
		if i < len(acc)-1 {
			b.ADDQ(ldy, yp)
		}
	}
	b.VZEROUPPER()
	b.RET()
}

// convTapChannel emits one kernel row's one channel: the three taps'
// weights from wc (cf bytes apart), then input pixel p (at xc + p*s) for
// p < len(acc)+2 broadcast and added with tap t into acc[p-t].
func convTapChannel(acc []reg.VecVirtual, e tapEdges, xc, wc, cf, s, s3 reg.GPVirtual) {
	var wt [3]reg.VecVirtual
	for t := range wt {
		wt[t] = b.ZMM()
	}
	b.VMOVUPS(op.Mem{Base: wc}, wt[0])
	b.VMOVUPS(op.Mem{Base: wc, Index: cf, Scale: 1}, wt[1])
	b.VMOVUPS(op.Mem{Base: wc, Index: cf, Scale: 2}, wt[2])
	p := b.GP64()
	b.MOVQ(xc, p)
	first, last := 0, len(acc)+1
	if e.left {
		first = 1
	}
	if e.right {
		last--
	}
	for px := first; px <= last; px++ {
		q := px - first // x's pixel q
		if q > 0 && q%4 == 0 {
			b.LEAQ(op.Mem{Base: p, Index: s, Scale: 4}, p)
		}
		addr := []op.Mem{{Base: p}, {Base: p, Index: s, Scale: 1}, {Base: p, Index: s, Scale: 2}, {Base: p, Index: s3, Scale: 1}}[q%4]
		v := b.ZMM()
		b.VBROADCASTSS(addr, v)
		for t := range wt {
			if i := px - t; i >= 0 && i < len(acc) {
				b.VFMADD231PS(wt[t], v, acc[i])
			}
		}
	}
}
