package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The depthwise-convolution kernels of package kernels (depthwise_amd64.s),
// in AVX-512 and AVX2. Both work on runs of pixels of NHWC data with the
// channels contiguous, vectorized across channels, and take the run's taps
// as a list of element offsets (see depthwise_plan.go in package kernels):
//
//   - dwTaps adds, for each pixel of a run, Σ_t x[tap t]·k[tap t] to the
//     output's channels (forward, and the input gradient as a gather over
//     the output gradient), accumulating in registers: each output is
//     read once and written once;
//   - dwGradK adds, for each tap, Σ_j x[pixel j at tap t]·dz[pixel j] to
//     the kernel gradient (weight gradient), again in registers.
//
// Both multiply, then add (no FMA), in the order of the Go twins
// (dwTapsGo, dwGradKGo), so that every implementation gives the same bits.
// Channels go in blocks of 4 vectors, then single vectors, then (AVX-512)
// one masked vector; the AVX2 kernels leave the last c%8 channels to Go.

func genDepthwise() {
	for _, s := range []isa{avx512, avx2} {
		genDwTaps(s)
		genDwGradK(s)
	}
}

// channelBlocks emits the loop over the channels of one pixel or tap:
// blocks of 4 vectors, then of 1, then (masked ISAs) a masked vector for
// the rest. cc holds the channels left and cp the byte offset of the
// block; block emits the work on vecs vectors at cp (c.k set in the tail).
func channelBlocks(s isa, name string, cc, cp reg.GPVirtual, block func(c vecCtx, vecs int)) {
	c := vecCtx{isa: s}
	for _, vecs := range []int{4, 1} {
		top, next := fmt.Sprintf("%s_c%d", name, vecs), fmt.Sprintf("%s_c%ddone", name, vecs)
		b.Label(top)
		b.CMPQ(cc, op.U32(vecs*s.lanes))
		b.JL(op.LabelRef(next))
		block(c, vecs)
		b.ADDQ(op.U32(vecs*s.lanes*4), cp)
		b.SUBQ(op.U32(vecs*s.lanes), cc)
		b.JMP(op.LabelRef(top))
		b.Label(next)
	}
	if s.masked {
		b.TESTQ(cc, cc)
		b.JZ(op.LabelRef(name + "_cdone"))
		c.k = tailMask(cc)
		block(c, 1)
		b.Label(name + "_cdone")
	}
}

// mulMem returns the product of v and the vector at m (loaded under c's
// mask in the tail, so masked-off lanes are not read).
func mulMem(c vecCtx, v reg.VecVirtual, m op.Mem) {
	if c.k != nil {
		b.VMULPS(c.load(m), v, v)
		return
	}
	b.VMULPS(m, v, v)
}

// blockLabel names a channel block's inner loop uniquely.
func blockLabel(name, what string, c vecCtx, vecs int) string {
	if c.k != nil {
		return fmt.Sprintf("%s_%sm", name, what)
	}
	return fmt.Sprintf("%s_%s%d", name, what, vecs)
}

// genDwTaps emits
//
//	y[j*ys+i] += Σ_t x[off[2t]+j*xs+i] * k[off[2t+1]+i]   for j < n, i < c
//
// with the sum kept in registers from y's value on, taps in order.
func genDwTaps(s isa) {
	name := header(s, "dwTaps", "func(y, x, k *float32, off *int, taps, n, c, ys, xs int)",
		"adds, for j < n and channel i, the taps t < taps: y[j*ys+i] += x[off[2t]+j*xs+i] * k[off[2t+1]+i],",
		"in tap order, as dwTapsGo (product rounded, then added).", chanCoverage(s))
	yj, xj, n := load64("y"), load64("x"), load64("n")
	b.TESTQ(n, n)
	b.JZ(op.LabelRef(name + "_done"))
	b.Label(name + "_pixel")
	cp, cc := b.GP64(), load64("c")
	b.XORQ(cp, cp)
	channelBlocks(s, name, cc, cp, func(c vecCtx, vecs int) {
		acc := make([]reg.VecVirtual, vecs)
		for v := range acc {
			acc[v] = c.load(op.Mem{Base: yj, Index: cp, Scale: 1, Disp: v * s.lanes * 4})
		}
		xc, kc := b.GP64(), load64("k")
		b.LEAQ(op.Mem{Base: xj, Index: cp, Scale: 1}, xc)
		b.ADDQ(cp, kc)
		offp, t := load64("off"), load64("taps")
		loop, store := blockLabel(name, "tap", c, vecs), blockLabel(name, "store", c, vecs)
		b.TESTQ(t, t)
		b.JZ(op.LabelRef(store))
		b.Label(loop)
		xo, ko := b.GP64(), b.GP64()
		b.MOVQ(op.Mem{Base: offp}, xo)
		b.MOVQ(op.Mem{Base: offp, Disp: 8}, ko)
		for v := range acc {
			p := c.load(op.Mem{Base: xc, Index: xo, Scale: 4, Disp: v * s.lanes * 4})
			mulMem(c, p, op.Mem{Base: kc, Index: ko, Scale: 4, Disp: v * s.lanes * 4})
			b.VADDPS(p, acc[v], acc[v]) // acc + p
		}
		b.ADDQ(op.U8(16), offp)
		b.DECQ(t)
		b.JNZ(op.LabelRef(loop))
		b.Label(store)
		for v := range acc {
			c.store(acc[v], op.Mem{Base: yj, Index: cp, Scale: 1, Disp: v * s.lanes * 4})
		}
	})
	step := b.GP64()
	b.Load(b.Param("ys"), step)
	b.LEAQ(op.Mem{Base: yj, Index: step, Scale: 4}, yj)
	b.Load(b.Param("xs"), step)
	b.LEAQ(op.Mem{Base: xj, Index: step, Scale: 4}, xj)
	b.DECQ(n)
	b.JNZ(op.LabelRef(name + "_pixel"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// genDwGradK emits
//
//	dk[off[2t+1]+i] += Σ_j x[off[2t]+j*xs+i] * dz[j*zs+i]   for t < taps, i < c
//
// with the sum kept in registers from dk's value on, pixels in order.
func genDwGradK(s isa) {
	name := header(s, "dwGradK", "func(dk, x, dz *float32, off *int, taps, n, c, xs, zs int)",
		"adds, for t < taps and channel i, the pixels j < n: dk[off[2t+1]+i] += x[off[2t]+j*xs+i] * dz[j*zs+i],",
		"in pixel order, as dwGradKGo (product rounded, then added).", chanCoverage(s))
	offp, t, n := load64("off"), load64("taps"), load64("n")
	b.TESTQ(t, t)
	b.JZ(op.LabelRef(name + "_done"))
	b.TESTQ(n, n)
	b.JZ(op.LabelRef(name + "_done"))
	b.Label(name + "_tap")
	xb, kb := load64("x"), load64("dk")
	xo := b.GP64()
	b.MOVQ(op.Mem{Base: offp}, xo)
	b.LEAQ(op.Mem{Base: xb, Index: xo, Scale: 4}, xb)
	b.MOVQ(op.Mem{Base: offp, Disp: 8}, xo)
	b.LEAQ(op.Mem{Base: kb, Index: xo, Scale: 4}, kb)
	cp, cc := b.GP64(), load64("c")
	b.XORQ(cp, cp)
	channelBlocks(s, name, cc, cp, func(c vecCtx, vecs int) {
		acc := make([]reg.VecVirtual, vecs)
		for v := range acc {
			acc[v] = c.load(op.Mem{Base: kb, Index: cp, Scale: 1, Disp: v * s.lanes * 4})
		}
		px, pz, j := b.GP64(), load64("dz"), b.GP64()
		b.LEAQ(op.Mem{Base: xb, Index: cp, Scale: 1}, px)
		b.ADDQ(cp, pz)
		b.MOVQ(n, j)
		xs, zs := load64("xs"), load64("zs")
		loop := blockLabel(name, "pixel", c, vecs)
		b.Label(loop)
		for v := range acc {
			p := c.load(op.Mem{Base: px, Disp: v * s.lanes * 4})
			mulMem(c, p, op.Mem{Base: pz, Disp: v * s.lanes * 4})
			b.VADDPS(p, acc[v], acc[v]) // acc + p
		}
		b.LEAQ(op.Mem{Base: px, Index: xs, Scale: 4}, px)
		b.LEAQ(op.Mem{Base: pz, Index: zs, Scale: 4}, pz)
		b.DECQ(j)
		b.JNZ(op.LabelRef(loop))
		for v := range acc {
			c.store(acc[v], op.Mem{Base: kb, Index: cp, Scale: 1, Disp: v * s.lanes * 4})
		}
	})
	b.ADDQ(op.U8(16), offp)
	b.DECQ(t)
	b.JNZ(op.LabelRef(name + "_tap"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// chanCoverage documents which channels a depthwise kernel processes.
func chanCoverage(s isa) string {
	if s.masked {
		return "It processes all c channels."
	}
	return fmt.Sprintf("It processes the first c&^%d channels only.", s.lanes-1)
}
