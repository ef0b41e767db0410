package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genWinogradKernelRow emits winogradKernelRowAVX512: the F(2×2, 3×3)
// kernel transform G g Gᵀ of one input channel's n output channels (a row
// of each of the 16 u[ξ]), 16 output channels per vector, with the
// operations of kernelTile in its order (so the Go twin gives the same
// bits): for j < n,
//
//	u[ξ*cf + j] = (G g_j Gᵀ)[ξ]   with g_j[k] = w[k*cf + j]
func genWinogradKernelRow() {
	name := header(avx512, "winogradKernelRow", "func(w *float32, cf, n int, u *float32)",
		"writes the F(2×2, 3×3) kernel transforms of n channel pairs: for j < n, u[ξ*cf+j] = (G g Gᵀ)[ξ] of the",
		"3×3 kernel g[k] = w[k*cf+j], as kernelTile.")
	half := vbroadcast(0x3f000000)
	wp, up, cc, cfb := load64("w"), load64("u"), load64("n"), load64("cf")
	b.SHLQ(op.U8(2), cfb)
	cp, t, q := b.GP64(), b.GP64(), b.GP64()
	b.XORQ(cp, cp)
	// G times a column (x0, x1, x2): x0, ½(x0+x1+x2), ½(x0-x1+x2), x2.
	g4 := func(x0, x1, x2 reg.VecVirtual) [4]reg.VecVirtual {
		return [4]reg.VecVirtual{x0, mul(half, add(add(x0, x1), x2)), mul(half, add(sub(x0, x1), x2)), x2}
	}
	winoChannels(name, cc, cp, func(c vecCtx) {
		var g [9]reg.VecVirtual
		b.LEAQ(op.Mem{Base: wp, Index: cp, Scale: 1}, t)
		for k := range g {
			if k%3 == 0 && k > 0 {
				b.LEAQ(op.Mem{Base: t, Index: cfb, Scale: 2}, t)
				b.ADDQ(cfb, t)
			}
			m := op.Mem{Base: t}
			if k%3 > 0 {
				m.Index, m.Scale = cfb, uint8(k%3)
			}
			g[k] = c.load(m)
		}
		var r [4][3]reg.VecVirtual // G g
		for s := range 3 {
			col := g4(g[s], g[3+s], g[6+s])
			for i := range r {
				r[i][s] = col[i]
			}
		}
		b.LEAQ(op.Mem{Base: up, Index: cp, Scale: 1}, q)
		for i := range r {
			for _, v := range g4(r[i][0], r[i][1], r[i][2]) {
				c.store(v, op.Mem{Base: q})
				b.ADDQ(cfb, q)
			}
		}
	})
	b.VZEROUPPER()
	b.RET()
}
