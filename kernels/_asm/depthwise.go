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

// blockLabel names a channel block's inner loop uniquely.
func blockLabel(name, what string, c vecCtx, vecs int) string {
	if c.k != nil {
		return fmt.Sprintf("%s_%sm", name, what)
	}
	return fmt.Sprintf("%s_%s%d", name, what, vecs)
}

// dwGroup is the number of pixels of a run dwTaps takes at a time: their
// sums are independent chains of adds that overlap (one pixel's taps are
// a chain of dependent adds), and each kernel vector loaded serves them
// all. 4 with AVX-512's 32 registers (16 sums, 4 kernel vectors), 2 with
// AVX2's 16.
func dwGroup(s isa) int {
	if s.masked {
		return 4
	}
	return 2
}

// genDwTaps emits
//
//	y[j*ys+i] += Σ_t x[off[2t]+j*xs+i] * k[off[2t+1]+i]   for j < n, i < c
//
// with the sum kept in registers from y's value on, taps in order; the
// pixels dwGroup(s) at a time, then one at a time.
func genDwTaps(s isa) {
	name := header(s, "dwTaps", "func(y, x, k, init *float32, off *int, taps, n, c, ys, xs, relu6 int)",
		"adds, for j < n and channel i, the taps t < taps: y[j*ys+i] += x[off[2t]+j*xs+i] * k[off[2t+1]+i],",
		"in tap order, as dwTapsGo (product rounded, then added); each sum starts from init[i] instead of y's value",
		"unless init is nil, and with relu6 != 0 it is stored as min(max(sum, 0), 6) (relu6Go's bits).", chanCoverage(s))
	yj, xj, n := load64("y"), load64("x"), load64("n")
	for _, g := range []int{dwGroup(s), 1} {
		top, next := fmt.Sprintf("%s_g%d", name, g), fmt.Sprintf("%s_g%ddone", name, g)
		b.Label(top)
		b.CMPQ(n, op.U32(g))
		b.JL(op.LabelRef(next))
		dwTapsGroup(s, top, g, yj, xj)
		shift := uint8(2) // log2(g*4)
		for m := g; m > 1; m /= 2 {
			shift++
		}
		for _, pp := range []struct {
			p     reg.GPVirtual
			param string
		}{{yj, "ys"}, {xj, "xs"}} {
			step := load64(pp.param)
			b.SHLQ(op.U8(shift), step) // g pixels of step floats
			b.ADDQ(step, pp.p)
		}
		b.SUBQ(op.U32(g), n)
		b.JMP(op.LabelRef(top))
		b.Label(next)
	}
	b.VZEROUPPER()
	b.RET()
}

// splat is s.broadcast(u), straight from a general register with
// AVX-512 (whose registers past 15 MOVD cannot reach).
func splat(s isa, u uint32) reg.VecVirtual {
	if !s.masked {
		return s.broadcast(u)
	}
	g, v := b.GP32(), s.vec()
	b.MOVL(op.U32(u), g)
	b.VPBROADCASTD(g, v)
	return v
}

// pixelMem addresses pixel p (< 4) of a group at base (pixel 0) with
// base2 = base + 2*stride (bytes; nil unless p > 2 is asked for).
func pixelMem(base, base2, stride reg.GPVirtual, p, disp int) op.Mem {
	switch p {
	case 0:
		return op.Mem{Base: base, Disp: disp}
	case 1, 2:
		return op.Mem{Base: base, Index: stride, Scale: uint8(p), Disp: disp}
	}
	return op.Mem{Base: base2, Index: stride, Scale: 1, Disp: disp}
}

// byteStride loads the int parameter param times 4 (a float32 stride in
// bytes) and, for groups of more than 2 pixels, base + 2 strides.
func byteStride(param string, base reg.GPVirtual, g int) (stride, base2 reg.GPVirtual) {
	stride = load64(param)
	b.SHLQ(op.U8(2), stride)
	if g > 2 {
		base2 = b.GP64()
		b.LEAQ(op.Mem{Base: base, Index: stride, Scale: 2}, base2)
	}
	return stride, base2
}

// dwTapsGroup emits the sums of g pixels at yj and xj, every channel.
func dwTapsGroup(s isa, name string, g int, yj, xj reg.GPVirtual) {
	cp, cc := b.GP64(), load64("c")
	b.XORQ(cp, cp)
	channelBlocks(s, name, cc, cp, func(c vecCtx, vecs int) {
		acc := dwTapsStart(c, name, g, vecs, yj, cp)
		xc, kc := b.GP64(), load64("k")
		b.LEAQ(op.Mem{Base: xj, Index: cp, Scale: 1}, xc)
		b.ADDQ(cp, kc)
		offp, t := load64("off"), load64("taps")
		xs := load64("xs")
		b.SHLQ(op.U8(2), xs)
		loop, store := blockLabel(name, "tap", c, vecs), blockLabel(name, "store", c, vecs)
		b.TESTQ(t, t)
		b.JZ(op.LabelRef(store))
		b.Label(loop)
		ko := b.GP64()
		b.MOVQ(op.Mem{Base: offp, Disp: 8}, ko)
		kv := make([]reg.VecVirtual, vecs)
		for v := range kv {
			kv[v] = c.load(op.Mem{Base: kc, Index: ko, Scale: 4, Disp: v * s.lanes * 4})
		}
		xt := b.GP64()
		b.MOVQ(op.Mem{Base: offp}, xt)
		b.LEAQ(op.Mem{Base: xc, Index: xt, Scale: 4}, xt)
		var xt2 reg.GPVirtual
		if g > 2 {
			xt2 = b.GP64()
			b.LEAQ(op.Mem{Base: xt, Index: xs, Scale: 2}, xt2)
		}
		for v := range kv {
			for p := range acc {
				px := c.load(pixelMem(xt, xt2, xs, p, v*s.lanes*4))
				b.VMULPS(kv[v], px, px)
				b.VADDPS(px, acc[p][v], acc[p][v]) // acc + x·k
			}
		}
		b.ADDQ(op.U8(16), offp)
		b.DECQ(t)
		b.JNZ(op.LabelRef(loop))
		b.Label(store)
		dwTapsStore(c, name, g, vecs, yj, cp, acc)
	})
}

// dwTapsStart emits the g×vecs sums' starting values: the vectors at
// init (one for all pixels) unless init is nil, else y's.
func dwTapsStart(c vecCtx, name string, g, vecs int, yj, cp reg.GPVirtual) [][]reg.VecVirtual {
	acc := make([][]reg.VecVirtual, g)
	for p := range acc {
		acc[p] = make([]reg.VecVirtual, vecs)
		for v := range acc[p] {
			acc[p][v] = c.vec()
		}
	}
	fromY, loaded := blockLabel(name, "fromy", c, vecs), blockLabel(name, "loaded", c, vecs)
	init := load64("init")
	b.TESTQ(init, init)
	b.JZ(op.LabelRef(fromY))
	for v := 0; v < vecs; v++ {
		m := op.Mem{Base: init, Index: cp, Scale: 1, Disp: v * c.lanes * 4}
		for p := range acc {
			c.loadInto(acc[p][v], m)
		}
	}
	b.JMP(op.LabelRef(loaded))
	b.Label(fromY)
	yt := b.GP64()
	b.LEAQ(op.Mem{Base: yj, Index: cp, Scale: 1}, yt)
	ys, yt2 := byteStride("ys", yt, g)
	for p := range acc {
		for v := range acc[p] {
			c.loadInto(acc[p][v], pixelMem(yt, yt2, ys, p, v*c.lanes*4))
		}
	}
	b.Label(loaded)
	return acc
}

// dwTapsStore emits the stores of the sums into y, through relu6 (as
// genRelu6) when the relu6 parameter is not 0.
func dwTapsStore(c vecCtx, name string, g, vecs int, yj, cp reg.GPVirtual, acc [][]reg.VecVirtual) {
	yt := b.GP64()
	b.LEAQ(op.Mem{Base: yj, Index: cp, Scale: 1}, yt)
	ys, yt2 := byteStride("ys", yt, g)
	stored := blockLabel(name, "stored", c, vecs)
	r6 := load64("relu6")
	b.TESTQ(r6, r6)
	b.JZ(op.LabelRef(stored))
	zero, abs, six := c.zero(), splat(c.isa, 0x7fffffff), splat(c.isa, relu6Six)
	for p := range acc {
		for _, v := range acc[p] {
			b.VMAXPS(v, zero, v)
			c.and(abs, v, v)
			b.VADDPS(zero, v, v)
			b.VMINPS(v, six, v)
		}
	}
	b.Label(stored)
	for p := range acc {
		for v := range acc[p] {
			c.store(acc[p][v], pixelMem(yt, yt2, ys, p, v*c.lanes*4))
		}
	}
}

// genDwGradK emits
//
//	dk[off[2t+1]+i] += Σ_j x[off[2t]+j*xs+i] * dz[j*zs+i]   for t < taps, i < c
//
// with the sum kept in registers from dk's value on, pixels in order; the
// taps dwGroup(s) at a time (independent chains of adds, and each dz
// vector loaded serves them all), then one at a time.
func genDwGradK(s isa) {
	name := header(s, "dwGradK", "func(dk, x, dz *float32, off *int, taps, n, c, xs, zs int)",
		"adds, for t < taps and channel i, the pixels j < n: dk[off[2t+1]+i] += x[off[2t]+j*xs+i] * dz[j*zs+i],",
		"in pixel order, as dwGradKGo (product rounded, then added).", chanCoverage(s))
	offp, t, n := load64("off"), load64("taps"), load64("n")
	b.TESTQ(n, n)
	b.JZ(op.LabelRef(name + "_done"))
	for _, g := range []int{dwGroup(s), 1} {
		top, next := fmt.Sprintf("%s_t%d", name, g), fmt.Sprintf("%s_t%ddone", name, g)
		b.Label(top)
		b.CMPQ(t, op.U32(g))
		b.JL(op.LabelRef(next))
		dwGradKGroup(s, top, g, offp)
		b.ADDQ(op.U32(16*g), offp)
		b.SUBQ(op.U32(g), t)
		b.JMP(op.LabelRef(top))
		b.Label(next)
	}
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// dwGradKGroup emits the sums of the g taps at offp, every channel.
func dwGradKGroup(s isa, name string, g int, offp reg.GPVirtual) {
	cp, cc := b.GP64(), load64("c")
	b.XORQ(cp, cp)
	channelBlocks(s, name, cc, cp, func(c vecCtx, vecs int) {
		kb := load64("dk")
		b.ADDQ(cp, kb)
		// tapMem addresses vector v of tap u's channels at base + off[2u+w]·4.
		tapMem := func(base reg.GPVirtual, u, w, v int) op.Mem {
			o := b.GP64()
			b.MOVQ(op.Mem{Base: offp, Disp: 16*u + 8*w}, o)
			return op.Mem{Base: base, Index: o, Scale: 4, Disp: v * s.lanes * 4}
		}
		acc := make([][]reg.VecVirtual, g)
		for u := range acc {
			acc[u] = make([]reg.VecVirtual, vecs)
			for v := range acc[u] {
				acc[u][v] = c.load(tapMem(kb, u, 1, v))
			}
		}
		px, pz, j := load64("x"), load64("dz"), load64("n")
		b.ADDQ(cp, px)
		b.ADDQ(cp, pz)
		xs, zs := load64("xs"), load64("zs")
		loop := blockLabel(name, "pixel", c, vecs)
		b.Label(loop)
		zv := make([]reg.VecVirtual, vecs)
		for v := range zv {
			zv[v] = c.load(op.Mem{Base: pz, Disp: v * s.lanes * 4})
		}
		for u := range acc {
			o := b.GP64()
			b.MOVQ(op.Mem{Base: offp, Disp: 16 * u}, o)
			for v := range zv {
				p := c.load(op.Mem{Base: px, Index: o, Scale: 4, Disp: v * s.lanes * 4})
				b.VMULPS(zv[v], p, p)
				b.VADDPS(p, acc[u][v], acc[u][v]) // acc + x·dz
			}
		}
		b.LEAQ(op.Mem{Base: px, Index: xs, Scale: 4}, px)
		b.LEAQ(op.Mem{Base: pz, Index: zs, Scale: 4}, pz)
		b.DECQ(j)
		b.JNZ(op.LabelRef(loop))
		for u := range acc {
			for v := range acc[u] {
				c.store(acc[u][v], tapMem(kb, u, 1, v))
			}
		}
	})
}

// chanCoverage documents which channels a depthwise kernel processes.
func chanCoverage(s isa) string {
	if s.masked {
		return "It processes all c channels."
	}
	return fmt.Sprintf("It processes the first c&^%d channels only.", s.lanes-1)
}
