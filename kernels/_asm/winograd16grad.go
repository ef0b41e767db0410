package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The kernel gradient of winograd16.go's convolutions (kernels.
// ConvKernelGradDirect for them): over a block of output rows, pair by
// pair, each point's products of the transformed input (wino16Input) with
// the output gradient's transformed 2×2 tiles (A·dy·Aᵀ, computed in a
// register point by point, never stored) summed over the tiles into 16×16
// sums per point (wino16GradProducts: each channel's transformed input
// broadcast), and the sums transformed back to the 3×3 kernel (Gᵀ·s·G,
// wino16GradWeights).

func genWinograd16Grad() {
	genWino16GradProducts()
	genWino16GradWeights()
}

// genWino16GradProducts emits wino16GradProductsAVX512(tiles, v, d0,
// d1, vstride, s): for points p = 4i+k < 16 and channels ch < 16,
// s[(p*16+ch)*16+j] += Σ_{t<tiles} v[(p*vstride+t)*16+ch]·m_t[p][j], one
// FMA per tile in t order onto s's old value, where m_t[p] is tile t's
// output-gradient transform (A·dy·Aᵀ of pixels 2t, 2t+1 of rows d0 and
// d1: (y0, y0+y1, y0-y1, 0-y1) down, then the same across).
func genWino16GradProducts() {
	name := "wino16GradProductsAVX512"
	b.TEXT(name, b.NOSPLIT, "func(tiles int, v, d0, d1 *float32, vstride int, s, pf0, pf1 *float32)")
	b.Pragma("noescape")
	b.Doc(name+" adds, for points p = 4i+k < 16 and channels ch < 16, v[(p*vstride+t)*16+ch]*m[t][p][j]",
		"to s[(p*16+ch)*16+j] for t < tiles (tiles >= 1), one FMA each in t order, m[t] being the transform",
		"A*dy*At of pixels 2t, 2t+1 of rows d0 and d1 (columns (y0, y0+y1, y0-y1, 0-y1) down, then across);",
		"it prefetches 2*tiles pixels of rows pf0 and pf1 (the next pair's output gradient).")
	vp, sp := load64("v"), load64("s")
	vs := load64("vstride")
	b.SHLQ(op.U8(6), vs)
	zero := b.ZMM()
	b.VXORPS(zero, zero, zero)
	for p := 0; p < 16; p++ {
		wino16GradPoint(name, p, vp, sp, zero)
		if p < 15 {
			b.ADDQ(vs, vp)
			b.ADDQ(op.U32(1024), sp)
		}
	}
	b.VZEROUPPER()
	b.RET()
}

// wino16GradPoint emits point p's loop over the tiles.
func wino16GradPoint(name string, p int, vp, sp reg.GPVirtual, zero reg.VecVirtual) {
	var acc [16]reg.VecVirtual
	for ch := range acc {
		acc[ch] = b.ZMM()
		b.VMOVUPS(op.Mem{Base: sp, Disp: 64 * ch}, acc[ch])
	}
	qv, q0, q1, tc := b.GP64(), load64("d0"), load64("d1"), load64("tiles")
	b.MOVQ(vp, qv)
	label := fmt.Sprintf("%s_p%d", name, p)
	b.Label(label)
	i, k := p/4, p%4
	col := func(j int) reg.VecVirtual { // A_i down column j (pixel 2t+j)
		y0, y1 := op.Mem{Base: q0, Disp: 64 * j}, op.Mem{Base: q1, Disp: 64 * j}
		r := b.ZMM()
		switch i {
		case 0:
			b.VMOVUPS(y0, r)
		case 1:
			b.VMOVUPS(y0, r)
			b.VADDPS(y1, r, r)
		case 2:
			b.VMOVUPS(y0, r)
			b.VSUBPS(y1, r, r)
		default:
			b.VSUBPS(y1, zero, r)
		}
		return r
	}
	var d reg.VecVirtual
	switch k { // A_k across the two columns
	case 0:
		d = col(0)
	case 1:
		d = col(0)
		b.VADDPS(col(1), d, d)
	case 2:
		d = col(0)
		b.VSUBPS(col(1), d, d)
	default:
		d = b.ZMM()
		b.VSUBPS(col(1), zero, d)
	}
	for ch := range acc {
		b.VFMADD231PS_BCST(op.Mem{Base: qv, Disp: 4 * ch}, d, acc[ch])
	}
	if p == 0 {
		wino16Prefetch([2]reg.GPVirtual{load64("pf0"), load64("pf1")})
	}
	b.ADDQ(op.U8(64), qv)
	b.ADDQ(op.U8(128), q0)
	b.ADDQ(op.U8(128), q1)
	b.DECQ(tc)
	b.JNZ(op.LabelRef(label))
	for ch := range acc {
		b.VMOVUPS(acc[ch], op.Mem{Base: sp, Disp: 64 * ch})
	}
}

// genWino16GradWeights emits wino16GradWeightsAVX512(s, g, add): the 3×3
// kernel's gradient Gᵀ·s·G from the points' sums s[(p*16+ch)*16+j],
// into g[((r*3+c)*16+ch)*16+j] (plus g's old value when add != 0).
func genWino16GradWeights() {
	name := "wino16GradWeightsAVX512"
	b.TEXT(name, b.NOSPLIT, "func(s, grad *float32, add int)")
	b.Pragma("noescape")
	b.Doc(name+" sets grad[((r*3+c)*16+ch)*16+j], r, c < 3, to the sum over points p = 4i+k of",
		"G[i][r]*G[k][c]*s[(p*16+ch)*16+j] (G: rows (1,0,0), (1/2,1/2,1/2), (1/2,-1/2,1/2), (0,0,1); down, then",
		"across: x0+h(x1+x2), h(x1-x2), h(x1+x2)+x3 with h = 1/2), plus grad's old value when add != 0.")
	sp, gp, add := load64("s"), load64("grad"), load64("add")
	half := b.ZMM()
	hr := b.GP32()
	b.MOVL(op.U32(0x3f000000), hr)
	b.VPBROADCASTD(hr, half)
	cc := b.GP64()
	b.MOVQ(op.U32(16), cc)
	b.Label(name + "_ch")
	var t [3][4]reg.VecVirtual // down: t[r][k]
	for k := 0; k < 4; k++ {
		var x [4]reg.VecVirtual
		for i := range x {
			x[i] = b.ZMM()
			b.VMOVUPS(op.Mem{Base: sp, Disp: 1024 * (4*i + k)}, x[i])
		}
		r := wino16GradG(x, half)
		for j := range r {
			t[j][k] = r[j]
		}
	}
	for r := 0; r < 3; r++ {
		o := wino16GradG(t[r], half)
		for c := 0; c < 3; c++ {
			at := op.Mem{Base: gp, Disp: 1024 * (r*3 + c)}
			b.TESTQ(add, add)
			b.JZ(op.LabelRef(name + "_st" + string(rune('0'+r*3+c))))
			b.VADDPS(at, o[c], o[c])
			b.Label(name + "_st" + string(rune('0'+r*3+c)))
			b.VMOVUPS(o[c], at)
		}
	}
	b.ADDQ(op.U8(64), sp)
	b.ADDQ(op.U8(64), gp)
	b.DECQ(cc)
	b.JNZ(op.LabelRef(name + "_ch"))
	b.VZEROUPPER()
	b.RET()
}

// wino16GradG emits Gᵀ's three combinations of x0..x3: x0 + h·(x1+x2),
// h·(x1-x2), h·(x1+x2) + x3.
func wino16GradG(x [4]reg.VecVirtual, half reg.VecVirtual) [3]reg.VecVirtual {
	sum, dif := b.ZMM(), b.ZMM()
	b.VADDPS(x[2], x[1], sum)
	b.VMULPS(half, sum, sum)
	b.VSUBPS(x[2], x[1], dif)
	o := [3]reg.VecVirtual{b.ZMM(), b.ZMM(), b.ZMM()}
	b.VADDPS(sum, x[0], o[0])
	b.VMULPS(half, dif, o[1])
	b.VADDPS(x[3], sum, o[2])
	return o
}
