package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// relu6Six is the bits of float32 6.
const relu6Six = 0x40c00000

// genRelu6: y = min(max(z, 0), 6) as relu6Go computes it on amd64: max
// as genRelu (NaN and ±0 kept, then the sign bit cleared); + 0, which
// changes no number here but quiets a signalling NaN as Go's min does;
// and VMINPS with the value second, which returns it where it is a NaN.
func genRelu6() {
	s := avx512
	name := header(s, "relu6", "func(y, z *float32, n int)",
		"computes y[i] = min(max(z[i], 0), 6) for i < n, bit for bit as relu6Go.", coverage(s))
	var zero, abs, six reg.VecVirtual
	setup := func() { zero, abs, six = s.zero(), s.broadcast(0x7fffffff), s.broadcast(relu6Six) }
	stream(s, name, []string{"y", "z"}, 4, setup, func(c vecCtx, p []reg.GPVirtual, disp int) {
		v := c.load(op.Mem{Base: p[1], Disp: disp})
		b.VMAXPS(v, zero, v) // zero > v ? zero : v
		s.and(abs, v, v)
		b.VADDPS(zero, v, v)
		b.VMINPS(v, six, v) // six < v ? six : v
		c.store(v, op.Mem{Base: p[0], Disp: disp})
	})
}

// genRelu6Grad: dy is kept where bits(y) - 1 < bits(6) - 1 (unsigned),
// zeroed elsewhere, as relu6GradGo: a compare into an opmask and a
// zero-masked load of dy (lanes off the mask are not read).
func genRelu6Grad() {
	s := avx512
	name := header(s, "relu6Grad", "func(dy, y *float32, n int)",
		"zeroes dy[i] unless 0 < y[i] < 6, as relu6GradGo.", coverage(s))
	var one, six1 reg.VecVirtual
	setup := func() { one, six1 = s.broadcast(1), s.broadcast(relu6Six-1) }
	stream(s, name, []string{"dy", "y"}, 4, setup, func(c vecCtx, p []reg.GPVirtual, disp int) {
		u := c.load(op.Mem{Base: p[1], Disp: disp})
		b.VPSUBD(one, u, u)
		keep := b.K()
		if c.k != nil {
			b.VPCMPUD(op.U8(1), six1, u, c.k, keep) // u < six1, within the tail
		} else {
			b.VPCMPUD(op.U8(1), six1, u, keep)
		}
		d := s.vec()
		b.VMOVUPS_Z(op.Mem{Base: p[0], Disp: disp}, keep, d)
		c.store(d, op.Mem{Base: p[0], Disp: disp})
	})
}
