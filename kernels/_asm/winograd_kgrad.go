package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genWinogradKernelGradRow emits winogradKernelGradRowAVX512: the last
// step of the F(2×2, 3×3) kernel gradient, dg = Gᵀ dU G, for n channel
// pairs at once, 16 per vector (the pairs of dU's 16 C×F matrices are
// contiguous, as are those of the HWIO kernel), with the operations of
// winogradKernelGradRowGo in its order (so the Go twin gives the same
// bits): for j < n,
//
//	dw[k*cf + j] = (Gᵀ d_j G)[k]   with d_j[ξ] = du[ξ*cf + j]
func genWinogradKernelGradRow() {
	name := header(avx512, "winogradKernelGradRow", "func(du *float32, cf, n int, dw *float32)",
		"writes the F(2×2, 3×3) kernel gradients of n channel pairs: for j < n, dw[k*cf+j] = (Gᵀ d G)[k] of the",
		"4×4 sums d[ξ] = du[ξ*cf+j], as winogradKernelGradRowGo.")
	half := vbroadcast(0x3f000000)
	dp, wp, cc, cfb := load64("du"), load64("dw"), load64("n"), load64("cf")
	b.SHLQ(op.U8(2), cfb)
	cf3 := b.GP64()
	b.LEAQ(op.Mem{Base: cfb, Index: cfb, Scale: 2}, cf3)
	cp, t, q := b.GP64(), b.GP64(), b.GP64()
	b.XORQ(cp, cp)
	// Gᵀ times a column (d0, d1, d2, d3): d0+h, ½(d1-d2), h+d3 with h = ½(d1+d2).
	g3 := func(d0, d1, d2, d3 reg.VecVirtual) [3]reg.VecVirtual {
		h := mul(half, add(d1, d2))
		return [3]reg.VecVirtual{add(d0, h), mul(half, sub(d1, d2)), add(h, d3)}
	}
	winoChannels(name, cc, cp, func(c vecCtx) {
		var d [16]reg.VecVirtual
		b.LEAQ(op.Mem{Base: dp, Index: cp, Scale: 1}, t)
		for k := range d {
			if k%4 == 0 && k > 0 {
				b.LEAQ(op.Mem{Base: t, Index: cfb, Scale: 4}, t)
			}
			m := op.Mem{Base: t}
			switch k % 4 {
			case 1, 2:
				m.Index, m.Scale = cfb, uint8(k%4)
			case 3:
				m.Index, m.Scale = cf3, 1
			}
			d[k] = c.load(m)
		}
		var r [3][4]reg.VecVirtual // Gᵀ dU
		for s := range 4 {
			col := g3(d[s], d[4+s], d[8+s], d[12+s])
			for i := range r {
				r[i][s] = col[i]
			}
		}
		b.LEAQ(op.Mem{Base: wp, Index: cp, Scale: 1}, q)
		for i := range r {
			for _, v := range g3(r[i][0], r[i][1], r[i][2], r[i][3]) {
				c.store(v, op.Mem{Base: q})
				b.ADDQ(cfb, q)
			}
		}
	})
	b.VZEROUPPER()
	b.RET()
}
