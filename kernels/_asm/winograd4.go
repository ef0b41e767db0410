package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The data transforms of Winograd F(4×4, 3×3) (winograd_amd64.s, AVX-512
// only), as those of F(2×2, 3×3) in winograd.go: a run of tiles whose
// rows advance by a fixed step, or one tile (step 0), vectorized across
// the channels. Each 6×6 transform is two passes of a 6-point one, the
// first pass's 36 (or 24) vectors in a stack buffer (they do not fit in
// the 32 registers with the second pass's). The operations are those of
// the Go twins (bt6, at6: multiplies by powers of two, exact) in the same
// order, so both give the same bits.

// winoConsts holds the broadcast multipliers of the transforms.
type winoConsts struct{ two, four, eight reg.VecVirtual }

func newWinoConsts() winoConsts {
	return winoConsts{vbroadcast(0x40000000), vbroadcast(0x40800000), vbroadcast(0x41000000)}
}

// alignedTmp returns the first-pass buffer: the parameter tmp (at least
// n+15 values, the caller's) rounded up to a 64-byte boundary, so that
// its vectors do not cross cache lines.
func alignedTmp() op.Mem {
	t := load64("tmp")
	b.ADDQ(op.U32(63), t)
	b.ANDQ(op.I32(-64), t)
	return op.Mem{Base: t}
}

func mul(k, x reg.VecVirtual) reg.VecVirtual {
	r := b.ZMM()
	b.VMULPS(x, k, r)
	return r
}

// bt6 emits Bᵀ times the column d, as kernels.bt6.
func (k winoConsts) bt6(d [6]reg.VecVirtual) [6]reg.VecVirtual {
	t := sub(d[4], d[2])
	h := mul(k.two, sub(d[3], d[1]))
	return [6]reg.VecVirtual{
		add(mul(k.four, sub(d[0], d[2])), t),
		sub(add(d[3], d[4]), mul(k.four, add(d[1], d[2]))),
		add(sub(d[4], d[3]), mul(k.four, sub(d[1], d[2]))),
		add(t, h),
		sub(t, h),
		add(mul(k.four, sub(d[1], d[3])), sub(d[5], d[3])),
	}
}

// at6 emits Aᵀ times the column m, as kernels.at6.
func (k winoConsts) at6(m [6]reg.VecVirtual) [4]reg.VecVirtual {
	a, bb, c, d := add(m[1], m[2]), sub(m[1], m[2]), add(m[3], m[4]), sub(m[3], m[4])
	return [4]reg.VecVirtual{
		add(add(m[0], a), c),
		add(bb, mul(k.two, d)),
		add(a, mul(k.four, c)),
		add(add(bb, mul(k.eight, d)), m[5]),
	}
}

// genWinogradInput4 emits, for t < tiles and channel i < c,
//
//	o[ξ*stride + t*c + i] = (Bᵀ d B)[ξ]   with row 6r+s of d at d[6r+s] + t*step + i
//
// as winogradInput4Go: columns first, into the stack, then rows.
func genWinogradInput4() {
	name := header(avx512, "winogradInput4", "func(d **float32, step, tiles, c int, o *float32, stride int, tmp *float32)",
		"writes the Winograd F(4×4, 3×3) input transform Bᵀ d B of tiles tiles: tile t's 6×6 patch row 6r+s at",
		"d[6r+s] + t*step, position ξ of its result at o + ξ*stride + t*c, c channels each, as winogradInput4Go.")
	tmp := alignedTmp()
	dp := load64("d")
	k := newWinoConsts()
	tileLoop(name, "o", "c", func(c vecCtx, ob, toff, cp, ptr reg.GPVirtual) {
		for s := range 6 {
			var d [6]reg.VecVirtual
			for r := range d {
				b.MOVQ(op.Mem{Base: dp, Disp: 8 * (6*r + s)}, ptr)
				b.ADDQ(toff, ptr)
				d[r] = c.load(op.Mem{Base: ptr, Index: cp, Scale: 1})
			}
			for r, v := range k.bt6(d) {
				b.VMOVUPS(v, tmp.Offset(64*(6*r+s)))
			}
		}
		stride := load64("stride")
		b.SHLQ(op.U8(2), stride)
		b.LEAQ(op.Mem{Base: ob, Index: cp, Scale: 1}, ptr)
		for r := range 6 {
			var q [6]reg.VecVirtual
			for s := range q {
				q[s] = b.ZMM()
				b.VMOVUPS(tmp.Offset(64*(6*r+s)), q[s])
			}
			for _, v := range k.bt6(q) {
				c.store(v, op.Mem{Base: ptr})
				b.ADDQ(stride, ptr)
			}
		}
	})
}

// genWinogradOutput4 emits, for t < tiles and channel i < f,
//
//	dst[4r+s] + t*step + i = (Aᵀ m A)[r][s] + bias[i]   with position ξ of m at m + ξ*stride + t*f
//
// then relu (as reluAVX512) when relu, as winogradOutput4Go: rows first,
// into the stack, then columns.
func genWinogradOutput4() {
	name := header(avx512, "winogradOutput4", "func(m *float32, stride, tiles, f int, bias *float32, dst **float32, step int, relu bool, tmp *float32)",
		"writes the Winograd F(4×4, 3×3) output transform Aᵀ m A + bias of tiles tiles: position ξ of tile t's products",
		"at m + ξ*stride + t*f, output 4r+s at dst[4r+s] + t*step, f channels each, with relu max(y, 0) (as",
		"reluAVX512), as winogradOutput4Go.")
	tmp := alignedTmp()
	dp := load64("dst")
	zero, abs := avx512.zero(), vbroadcast(0x7fffffff)
	relu := b.GP8()
	b.Load(b.Param("relu"), relu)
	k := newWinoConsts()
	tileLoop(name, "m", "f", func(c vecCtx, mb, toff, cp, ptr reg.GPVirtual) {
		stride := load64("stride")
		b.SHLQ(op.U8(2), stride)
		b.LEAQ(op.Mem{Base: mb, Index: cp, Scale: 1}, ptr)
		for r := range 6 {
			var q [6]reg.VecVirtual
			for s := range q {
				q[s] = c.load(op.Mem{Base: ptr})
				b.ADDQ(stride, ptr)
			}
			for j, v := range k.at6(q) {
				b.VMOVUPS(v, tmp.Offset(64*(4*r+j)))
			}
		}
		bias := load64("bias")
		bv := c.load(op.Mem{Base: bias, Index: cp, Scale: 1})
		skip := name + "_norelu"
		if c.k != nil {
			skip += "m"
		}
		for j := range 4 {
			var w [6]reg.VecVirtual
			for r := range w {
				w[r] = b.ZMM()
				b.VMOVUPS(tmp.Offset(64*(4*r+j)), w[r])
			}
			ys := k.at6(w)
			for i := range ys {
				ys[i] = add(ys[i], bv)
			}
			lbl := skip + string(rune('0'+j))
			b.TESTB(relu, relu)
			b.JZ(op.LabelRef(lbl))
			for _, y := range ys {
				b.VMAXPS(y, zero, y)
				b.VPANDD(abs, y, y)
			}
			b.Label(lbl)
			for r, y := range ys {
				b.MOVQ(op.Mem{Base: dp, Disp: 8 * (4*r + j)}, ptr)
				b.ADDQ(toff, ptr)
				c.store(y, op.Mem{Base: ptr, Index: cp, Scale: 1})
			}
		}
	})
}
