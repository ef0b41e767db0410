package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// poolRow emits the loops shared by the 2x2 max-pool kernels over one
// pair of input rows: ow windows, each of c channels in vectors (and, for
// AVX-512, a masked last vector). p is the top-left input of the current
// window; body gets the channel pointer q (into x), the byte offsets of
// the window's other three inputs from q (c4: right, ld4: below, rc4:
// below right) and the output pointer yp. After each vector yp and q move
// on by the vector's width.
func poolRow(s isa, name string, xp, yp reg.GPVirtual, body func(c vecCtx, q, c4, ld4, rc4 reg.GPVirtual)) {
	ow := load64("ow")
	cn := load64("c")
	ld4 := load64("ld")
	b.SHLQ(op.U8(2), ld4)
	c4 := b.GP64()
	b.MOVQ(cn, c4)
	b.SHLQ(op.U8(2), c4)                              // c*4 bytes
	b.LEAQ(op.Mem{Base: c4, Index: c4, Scale: 1}, cn) // 2*c*4 bytes: from one window to the next
	rc4 := b.GP64()
	b.LEAQ(op.Mem{Base: ld4, Index: c4, Scale: 1}, rc4)
	b.TESTQ(ow, ow)
	b.JZ(op.LabelRef(name + "_done"))
	b.TESTQ(c4, c4)
	b.JZ(op.LabelRef(name + "_done"))
	q, cc := b.GP64(), b.GP64()
	c := vecCtx{isa: s}

	b.Label(name + "_window")
	b.MOVQ(xp, q)
	b.MOVQ(c4, cc)
	b.SHRQ(op.U8(2), cc) // channels left
	b.Label(name + "_vec")
	b.CMPQ(cc, op.U32(s.lanes))
	b.JL(op.LabelRef(name + "_tail"))
	body(c, q, c4, ld4, rc4)
	b.ADDQ(op.U32(s.lanes*4), q)
	b.ADDQ(op.U32(s.lanes*4), yp)
	b.SUBQ(op.U32(s.lanes), cc)
	b.JMP(op.LabelRef(name + "_vec"))
	b.Label(name + "_tail")
	if s.masked {
		b.TESTQ(cc, cc)
		b.JZ(op.LabelRef(name + "_next"))
		c.k = tailMask(cc)
		body(c, q, c4, ld4, rc4)
		b.LEAQ(op.Mem{Base: yp, Index: cc, Scale: 4}, yp)
	}
	b.Label(name + "_next")
	b.ADDQ(cn, xp)
	b.DECQ(ow)
	b.JNZ(op.LabelRef(name + "_window"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// channels documents which channel counts a pool kernel supports.
func channels(s isa) string {
	if s.masked {
		return "Any c works."
	}
	return "c must be a multiple of 8."
}

// genMaxPool2x2 emits the forward 2x2 max-pool of one pair of input rows.
// Each max is Go's max as the compiler lowers it on amd64 (see
// maxPool2x2Go): with the sign bits flipped, t = min(a, b) and
// max = (min(t, a) | t) flipped back, which is the larger of a and b, or
// a|b with the sign bit a&b when they are equal or either is NaN. The
// nested maxes stay in the flipped domain. With relu, each input is
// first replaced by relu's max(v, 0) as genRelu computes it (VMAXPS with
// zero, then the sign bit cleared): relu's sign bit is always clear, so
// the flip is an OR with the sign bit.
func genMaxPool2x2(s isa, relu bool) {
	kernel, doc := "maxPool2x2Row", "writes y[j*c+k] = max(max(x0, x1), max(x2, x3)) of the 2x2 window j of rows x[0:ld] and x[ld:2*ld],"
	twin := "as maxPool2x2Go."
	if relu {
		kernel, doc = "maxPool2x2ReluRow", "writes y[j*c+k] = max(max(r(x0), r(x1)), max(r(x2), r(x3))), r(v) = max(v, 0), of the 2x2 window j of rows x[0:ld] and x[ld:2*ld],"
		twin = "as maxPool2x2ReluGo."
	}
	name := header(s, kernel, "func(y, x *float32, ow, c, ld int)", doc,
		"for j < ow and k < c (x0 = x[2*j*c+k], x1 = x0's right neighbour, x2 and x3 below them), "+twin,
		channels(s))
	xp := load64("x")
	yp := load64("y")
	sign := s.broadcast(0x80000000)
	var zero reg.VecVirtual
	if relu {
		zero = s.zero()
	}
	maxf := func(x, y reg.VecVirtual) reg.VecVirtual { // both flipped
		t, u := s.vec(), s.vec()
		b.VMINPS(y, x, t) // x < y ? x : y
		b.VMINPS(x, t, u) // t < x ? t : x
		s.or(t, u, u)
		return u
	}
	poolRow(s, name, xp, yp, func(c vecCtx, q, c4, ld4, rc4 reg.GPVirtual) {
		in := func(m op.Mem) reg.VecVirtual {
			v := c.load(m)
			if relu {
				b.VMAXPS(v, zero, v) // zero > v ? zero : v
				s.or(sign, v, v)     // relu's sign cleared, then flipped
			} else {
				s.xor(sign, v, v)
			}
			return v
		}
		x0 := in(op.Mem{Base: q})
		x1 := in(op.Mem{Base: q, Index: c4, Scale: 1})
		x2 := in(op.Mem{Base: q, Index: ld4, Scale: 1})
		x3 := in(op.Mem{Base: q, Index: rc4, Scale: 1})
		y := maxf(maxf(x0, x1), maxf(x2, x3))
		s.xor(sign, y, y)
		c.store(y, op.Mem{Base: yp})
	})
}

// genMaxPool2x2Grad emits the backward 2x2 max-pool of one pair of input
// rows: dy goes to the first of the four inputs (row-major) whose bits
// equal y's; the other three get zero (as maxPool2x2GradGo).
func genMaxPool2x2Grad(s isa) {
	name := header(s, "maxPool2x2GradRow", "func(dx, x, y, dy *float32, ow, c, ld int)",
		"writes, for each 2x2 window j < ow of rows x[0:ld] and x[ld:2*ld] and channel k < c, dy[j*c+k] to",
		"the first of the window's four positions of dx whose x has the bits of y[j*c+k], and zero to the others, as maxPool2x2GradGo.",
		channels(s))
	xp := load64("x")
	yp := load64("y")
	dd := load64("dx") // dx - x: dx's element is at q + dd
	b.SUBQ(xp, dd)
	ddy := load64("dy") // dy - y
	b.SUBQ(yp, ddy)
	qd := b.GP64()
	poolRow(s, name, xp, yp, func(c vecCtx, q, c4, ld4, rc4 reg.GPVirtual) {
		b.LEAQ(op.Mem{Base: q, Index: dd, Scale: 1}, qd)
		y := c.load(op.Mem{Base: yp})
		d := c.load(op.Mem{Base: yp, Index: ddy, Scale: 1})
		off := []op.Mem{{Base: q}, {Base: q, Index: c4, Scale: 1}, {Base: q, Index: ld4, Scale: 1}, {Base: q, Index: rc4, Scale: 1}}
		out := []op.Mem{{Base: qd}, {Base: qd, Index: c4, Scale: 1}, {Base: qd, Index: ld4, Scale: 1}, {Base: qd, Index: rc4, Scale: 1}}
		if s.masked {
			var taken reg.OpmaskVirtual
			for i := range off {
				eq := b.K()
				if c.k != nil { // compare loaded lanes only
					b.VPCMPEQD(c.load(off[i]), y, eq)
				} else {
					b.VPCMPEQD(off[i], y, eq)
				}
				hit := eq
				if taken != nil {
					hit = b.K()
					b.KANDNW(eq, taken, hit) // eq &^ taken
					if i < 3 {
						t := b.K()
						b.KORW(eq, taken, t)
						taken = t
					}
				} else {
					taken = eq
				}
				g := s.vec()
				b.VMOVUPS_Z(d, hit, g)
				c.store(g, out[i])
			}
			return
		}
		var taken reg.VecVirtual
		for i := range off {
			eq := s.vec()
			b.VPCMPEQD(off[i], y, eq)
			hit := eq
			if taken != nil {
				hit = s.vec()
				b.VPANDN(eq, taken, hit) // eq &^ taken
				if i < 3 {
					t := s.vec()
					b.VPOR(eq, taken, t)
					taken = t
				}
			} else {
				taken = eq
			}
			g := s.vec()
			s.and(d, hit, g)
			c.store(g, out[i])
		}
	})
}
