package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Winograd F(2×2,3×3) for 3×3 stride-1 convolutions of 16 channels and
// 16 filters padded by one pixel (winograd16_amd64.s, AVX-512 only;
// kernels.Wino16Rows). A pixel's 16 channels are one zmm, so every
// transform is vertical adds of whole pixels. A call works on one pair of
// output rows (a row of tiles) in three passes through a scratch v in
// the L1 cache, laid out [point][tile][channel] (a point's tiles
// vstride values apart):
//   - wino16Input: the input transform Bᵀ·d·B of each tile's 4×4 patch
//     (columns -1 and 2·tiles are the padding's zeros, never read);
//   - wino16Products: for each of the 16 points, the point's 16×16
//     transformed weights in 16 registers, each tile's product over the
//     16 channels (one FMA per channel, the channel's value broadcast
//     from v), written over the tile's transformed input;
//   - wino16Output: the output transform Aᵀ·m·A of each tile into the two
//     output rows, plus the bias.

// genWinograd16 emits the three passes.
func genWinograd16() {
	genWino16Input()
	genWino16Products(16)
	genWino16Output()
}

// wino16Col emits the column transform of one input column: the pixels
// of rows 0-3 at off bytes from the rows' pointers, into c (Bᵀ·d:
// d0-d2, d1+d2, d2-d1, d1-d3).
func wino16Col(rows [4]reg.GPVirtual, off int, c [4]reg.VecVirtual) {
	var d [4]reg.VecVirtual
	for i := range d {
		d[i] = b.ZMM()
		b.VMOVUPS(op.Mem{Base: rows[i], Disp: off}, d[i])
	}
	b.VSUBPS(d[2], d[0], c[0])
	b.VADDPS(d[2], d[1], c[1])
	b.VSUBPS(d[1], d[2], c[2])
	b.VSUBPS(d[3], d[1], c[3])
}

// wino16Row emits a tile's row transform from its four columns' column
// transforms (a, bb, c, d; nil is a zero column) and stores point i*4+k
// at vp + (i*4+k)*vs bytes.
func wino16Row(cols [4]*[4]reg.VecVirtual, vp, vs reg.GPVirtual) {
	q := b.GP64()
	b.MOVQ(vp, q)
	vs3 := b.GP64()
	b.LEAQ(op.Mem{Base: vs, Index: vs, Scale: 2}, vs3)
	for i := 0; i < 4; i++ {
		var e [4]reg.VecVirtual
		for k := range e {
			e[k] = b.ZMM()
		}
		a, bb, c, d := cols[0], cols[1], cols[2], cols[3]
		switch { // e0 = a-c, e1 = b+c, e2 = c-b, e3 = b-d
		case a == nil:
			b.VXORPS(e[0], e[0], e[0])
			b.VSUBPS(c[i], e[0], e[0])
		default:
			b.VSUBPS(c[i], a[i], e[0])
		}
		b.VADDPS(c[i], bb[i], e[1])
		b.VSUBPS(bb[i], c[i], e[2])
		if d == nil {
			b.VMOVAPS(bb[i], e[3])
		} else {
			b.VSUBPS(d[i], bb[i], e[3])
		}
		b.VMOVUPS(e[0], op.Mem{Base: q})
		b.VMOVUPS(e[1], op.Mem{Base: q, Index: vs, Scale: 1})
		b.VMOVUPS(e[2], op.Mem{Base: q, Index: vs, Scale: 2})
		b.VMOVUPS(e[3], op.Mem{Base: q, Index: vs3, Scale: 1})
		if i < 3 {
			b.LEAQ(op.Mem{Base: q, Index: vs, Scale: 4}, q)
		}
	}
}

// genWino16Input emits wino16InputAVX512(x0, x1, x2, x3, tiles, v,
// vstride): the transformed input of tiles >= 1 tiles whose rows are
// x0..x3 (pixel 0 of each; tile t reads pixels 2t-1 .. 2t+2, pixels -1
// and 2·tiles being zeros, not read) into v[(p*vstride + t)*16 + ch].
func genWino16Input() {
	name := "wino16InputAVX512"
	b.TEXT(name, b.NOSPLIT, "func(x0, x1, x2, x3 *float32, tiles int, v *float32, vstride int, pf0, pf1 *float32)")
	b.Pragma("noescape")
	b.Doc(name+" writes the F(2x2,3x3) input transform of tiles >= 1 tiles of 16 channels whose input rows",
		"start at x0..x3 (tile t reads pixels 2t-1..2t+2; pixels -1 and 2*tiles are zeros, not read) to",
		"v[(p*vstride+t)*16+ch], point p = 4i+k (i down, k across); it prefetches 2*tiles pixels of rows pf0 and pf1",
		"(the next pair's new input rows).")
	rows := [4]reg.GPVirtual{load64("x0"), load64("x1"), load64("x2"), load64("x3")}
	pf := [2]reg.GPVirtual{load64("pf0"), load64("pf1")}
	tiles, vp := load64("tiles"), load64("v")
	vs := load64("vstride")
	b.SHLQ(op.U8(6), vs) // bytes between two points
	var colA, colB, colC, colD [4]reg.VecVirtual
	for i := 0; i < 4; i++ {
		colA[i], colB[i], colC[i], colD[i] = b.ZMM(), b.ZMM(), b.ZMM(), b.ZMM()
	}
	// colA: column 2t-1, colB: 2t (carried over), colC, colD: 2t+1, 2t+2.
	wino16Col(rows, 0, colB)
	b.DECQ(tiles)
	b.JZ(op.LabelRef(name + "_last"))
	// The first tile: column -1 is padding.
	wino16Col(rows, 64, colC)
	wino16Col(rows, 128, colD)
	wino16Row([4]*[4]reg.VecVirtual{nil, &colB, &colC, &colD}, vp, vs)
	wino16Prefetch(pf)
	wino16Advance(rows, vp, colA, colB, colC, colD)
	b.DECQ(tiles)
	b.JZ(op.LabelRef(name + "_lastA"))
	b.Label(name + "_loop")
	wino16Col(rows, 64, colC)
	wino16Col(rows, 128, colD)
	wino16Row([4]*[4]reg.VecVirtual{&colA, &colB, &colC, &colD}, vp, vs)
	wino16Prefetch(pf)
	wino16Advance(rows, vp, colA, colB, colC, colD)
	b.DECQ(tiles)
	b.JNZ(op.LabelRef(name + "_loop"))
	b.Label(name + "_lastA") // the last tile: column 2·tiles is padding
	wino16Col(rows, 64, colC)
	wino16Row([4]*[4]reg.VecVirtual{&colA, &colB, &colC, nil}, vp, vs)
	wino16Prefetch(pf)
	b.VZEROUPPER()
	b.RET()
	b.Label(name + "_last") // one tile: both padding columns
	wino16Col(rows, 64, colC)
	wino16Row([4]*[4]reg.VecVirtual{nil, &colB, &colC, nil}, vp, vs)
	wino16Prefetch(pf)
	b.VZEROUPPER()
	b.RET()
}

// wino16Prefetch emits a tile's prefetches: two pixels (cache lines) of
// each of the rows at pf, which then move two pixels on.
func wino16Prefetch(pf [2]reg.GPVirtual) {
	for _, p := range pf {
		b.PREFETCHT0(op.Mem{Base: p})
		b.PREFETCHT0(op.Mem{Base: p, Disp: 64})
		b.ADDQ(op.U32(128), p)
	}
}

// wino16Advance emits the move to the next tile: columns 2t+1, 2t+2
// become 2t'-1, 2t'; the rows' pointers and v one tile on.
func wino16Advance(rows [4]reg.GPVirtual, vp reg.GPVirtual, colA, colB, colC, colD [4]reg.VecVirtual) {
	for i := 0; i < 4; i++ {
		b.VMOVAPS(colC[i], colA[i])
		b.VMOVAPS(colD[i], colB[i])
	}
	for i := range rows {
		b.ADDQ(op.U32(128), rows[i])
	}
	b.ADDQ(op.U8(64), vp)
}

// genWino16Products emits wino16ProductsAVX512(groups, v, vstride, u):
// for points p < 16 and tiles t < groups*g, v[p][t] (16 filters) set to
// Σ_{ch<16} v[p][t][ch]·u[(p*16+ch)*16 : +16], from zero in ch order, one
// FMA each.
func genWino16Products(g int) {
	name := "wino16ProductsAVX512"
	b.TEXT(name, b.NOSPLIT, "func(groups int, v *float32, vstride int, u *float32)")
	b.Pragma("noescape")
	b.Doc(name+fmt.Sprintf(" sets, for points p < 16 and tiles t < %d*groups, v[(p*vstride+t)*16+j] to", g),
		"the sum over ch < 16 of v[(p*vstride+t)*16+ch]*u[(p*16+ch)*16+j], from zero in ch order (groups >= 1).")
	vp, up := load64("v"), load64("u")
	vs := load64("vstride")
	b.SHLQ(op.U8(6), vs)
	groups := load64("groups")
	pc := b.GP64()
	b.MOVQ(op.U32(16), pc)
	b.Label(name + "_point")
	var w [16]reg.VecVirtual
	for ch := range w {
		w[ch] = b.ZMM()
		b.VMOVUPS(op.Mem{Base: up, Disp: 64 * ch}, w[ch])
	}
	q, gc := b.GP64(), b.GP64()
	b.MOVQ(vp, q)
	b.MOVQ(groups, gc)
	b.Label(name + "_group")
	acc := make([]reg.VecVirtual, g)
	for t := range acc {
		acc[t] = b.ZMM()
		b.VMULPS_BCST(op.Mem{Base: q, Disp: 64 * t}, w[0], acc[t])
	}
	for ch := 1; ch < 16; ch++ {
		for t := range acc {
			b.VFMADD231PS_BCST(op.Mem{Base: q, Disp: 64*t + 4*ch}, w[ch], acc[t])
		}
	}
	for t := range acc {
		b.VMOVUPS(acc[t], op.Mem{Base: q, Disp: 64 * t})
	}
	b.ADDQ(op.U32(64*g), q)
	b.DECQ(gc)
	b.JNZ(op.LabelRef(name + "_group"))
	b.ADDQ(vs, vp)
	b.ADDQ(op.U32(1024), up)
	b.DECQ(pc)
	b.JNZ(op.LabelRef(name + "_point"))
	b.VZEROUPPER()
	b.RET()
}

// genWino16Output emits wino16OutputAVX512(m, vstride, tiles, y0, y1,
// bias): tile t's output transform Aᵀ·m·A (rows: m0+m1+m2, m1-m2-m3)
// into pixels 2t, 2t+1 of y0 and y1, plus bias (when not nil).
func genWino16Output() {
	name := "wino16OutputAVX512"
	b.TEXT(name, b.NOSPLIT, "func(m *float32, vstride, tiles int, y0, y1, bias, pf0, pf1 *float32)")
	b.Pragma("noescape")
	b.Doc(name+" writes the F(2x2,3x3) output transform of tiles >= 1 tiles, point p of tile t at",
		"m[(p*vstride+t)*16:], to pixels 2t and 2t+1 of rows y0 and y1 (16 values each), plus bias when not nil;",
		"it prefetches 2*tiles pixels of rows pf0 and pf1 (the next pair's output rows).")
	pf := [2]reg.GPVirtual{load64("pf0"), load64("pf1")}
	mp, tiles := load64("m"), load64("tiles")
	vs := load64("vstride")
	b.SHLQ(op.U8(6), vs)
	vs3 := b.GP64()
	b.LEAQ(op.Mem{Base: vs, Index: vs, Scale: 2}, vs3)
	y0, y1, bias := load64("y0"), load64("y1"), load64("bias")
	bv := b.ZMM()
	b.VXORPS(bv, bv, bv)
	b.TESTQ(bias, bias)
	b.JZ(op.LabelRef(name + "_loop"))
	b.VMOVUPS(op.Mem{Base: bias}, bv)
	b.Label(name + "_loop")
	// s[a][k] = column k's row combination a; then y[a][0], y[a][1].
	// Point i*4+k is at qi[i] + k*vs.
	var s [2][4]reg.VecVirtual
	var qi [4]reg.GPVirtual
	for i := range qi {
		qi[i] = b.GP64()
	}
	b.MOVQ(mp, qi[0])
	for i := 1; i < 4; i++ {
		b.LEAQ(op.Mem{Base: qi[i-1], Index: vs, Scale: 4}, qi[i])
	}
	for k := 0; k < 4; k++ {
		var mk [4]reg.VecVirtual
		for i := range mk {
			mk[i] = b.ZMM()
			b.VMOVUPS([]op.Mem{{Base: qi[i]}, {Base: qi[i], Index: vs, Scale: 1}, {Base: qi[i], Index: vs, Scale: 2}, {Base: qi[i], Index: vs3, Scale: 1}}[k], mk[i])
		}
		s[0][k], s[1][k] = b.ZMM(), b.ZMM()
		b.VADDPS(mk[1], mk[0], s[0][k])
		b.VADDPS(mk[2], s[0][k], s[0][k])
		b.VSUBPS(mk[2], mk[1], s[1][k])
		b.VSUBPS(mk[3], s[1][k], s[1][k])
	}
	for a, y := range []reg.GPVirtual{y0, y1} {
		o0, o1 := b.ZMM(), b.ZMM()
		b.VADDPS(s[a][1], s[a][0], o0)
		b.VADDPS(s[a][2], o0, o0)
		b.VADDPS(bv, o0, o0)
		b.VSUBPS(s[a][2], s[a][1], o1)
		b.VSUBPS(s[a][3], o1, o1)
		b.VADDPS(bv, o1, o1)
		b.VMOVUPS(o0, op.Mem{Base: y})
		b.VMOVUPS(o1, op.Mem{Base: y, Disp: 64})
		b.ADDQ(op.U8(128), y)
	}
	wino16Prefetch(pf)
	b.ADDQ(op.U8(64), mp)
	b.DECQ(tiles)
	b.JNZ(op.LabelRef(name + "_loop"))
	b.VZEROUPPER()
	b.RET()
}
