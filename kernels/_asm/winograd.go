package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The data transforms of Winograd F(2×2, 3×3) (winograd_amd64.s, AVX-512
// only), vectorized across the channels, which NHWC keeps contiguous. Each
// call transforms a run of tiles whose rows advance by a fixed step (a
// stretch of a row of tiles inside the image: 2·C elements to the next
// one), or a single tile (step 0) whose rows may point at a row of zeros
// (the padding). The additions are those of the Go twins
// (winogradInputGo, winogradOutputGo), in the same order, so both give
// the same bits. The input and gradient transforms prefetch the lines
// prefetchDist bytes past the activation rows they read (the input
// transform rows 2 and 3 only: rows 0 and 1 of the next row of tiles are
// this one's 2 and 3), the output transform past the lines it writes
// (write-allocate misses): a training step's activations mostly come
// from memory (see prefetchRow). No result depends on it.

func genWinograd() {
	genWinogradInput()
	genWinogradOutput()
	genWinogradGradOut()
	genWinogradGemm()
	genWinogradInput4()
	genWinogradOutput4()
	genWinogradKernelRow()
	genWinogradKernelGradRow()
	genTranspose16()
	genWinogradGemmT()
}

// winoChannels emits the loop over the c channels at byte offset cp: whole
// vectors, then one masked vector; block emits the work on the vector at
// cp (c.k set in the tail).
func winoChannels(name string, cc, cp reg.GPVirtual, block func(c vecCtx)) {
	c := vecCtx{isa: avx512}
	b.Label(name + "_c")
	b.CMPQ(cc, op.U32(16))
	b.JL(op.LabelRef(name + "_ctail"))
	block(c)
	b.ADDQ(op.U32(64), cp)
	b.SUBQ(op.U32(16), cc)
	b.JMP(op.LabelRef(name + "_c"))
	b.Label(name + "_ctail")
	b.TESTQ(cc, cc)
	b.JZ(op.LabelRef(name + "_cdone"))
	c.k = tailMask(cc)
	block(c)
	b.Label(name + "_cdone")
}

// tileLoop emits the loop over the tiles of a transform and returns: ob
// is the pointer parameter named contiguous, whose tile t starts
// t*chans values after tile 0's, toff the byte offset t*step*4 of tile
// t's rows behind the pointers of the other side; body emits the work on
// the vector of channels at byte offset cp (ptr is a free register).
func tileLoop(name, contiguous, chans string, body func(c vecCtx, ob, toff, cp, ptr reg.GPVirtual)) {
	tiles, ob := load64("tiles"), load64(contiguous)
	toff := b.GP64() // t*step*4
	b.XORQ(toff, toff)
	b.TESTQ(tiles, tiles)
	b.JZ(op.LabelRef(name + "_done"))
	b.Label(name + "_tile")
	cp, cc, ptr := b.GP64(), load64(chans), b.GP64()
	b.XORQ(cp, cp)
	winoChannels(name, cc, cp, func(c vecCtx) { body(c, ob, toff, cp, ptr) })
	step, n := load64("step"), load64(chans)
	b.LEAQ(op.Mem{Base: toff, Index: step, Scale: 4}, toff)
	b.LEAQ(op.Mem{Base: ob, Index: n, Scale: 4}, ob)
	b.DECQ(tiles)
	b.JNZ(op.LabelRef(name + "_tile"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// vbroadcast is avx512.broadcast from a general register by the EVEX
// VPBROADCASTD, without MOVD's legacy-SSE encoding. An SSE-encoded MOVD
// after a 512-bit instruction of the same call (the output transform's
// VPXORD zero) cost about 300-450 ns per call on this host: F(2×2)'s
// output transform of 4 tiles of 32 channels took 730-780 ns with it,
// 284-286 ns without (go test -bench, alternated builds, load 7.7). The
// gradient transform, whose MOVD came first, measured the same either way.
func vbroadcast(u uint32) reg.VecVirtual {
	g, v := b.GP32(), b.ZMM()
	b.MOVL(op.U32(u), g)
	b.VPBROADCASTD(g, v)
	return v
}

// sub returns x - y in a new register; add returns x + y.
func sub(x, y reg.VecVirtual) reg.VecVirtual {
	r := b.ZMM()
	b.VSUBPS(y, x, r)
	return r
}

func add(x, y reg.VecVirtual) reg.VecVirtual {
	r := b.ZMM()
	b.VADDPS(y, x, r)
	return r
}

// genWinogradInput emits, for t < tiles and channel i < c,
//
//	o[ξ*stride + t*c + i] = (Bᵀ d B)[ξ]   with d[4r+s] = x[off[r] + s*c + t*step + i]
//
// where patch row r is inside the image (bit r of rows) and column s of
// tile t is too (bit s of first for tile 0, of last for tile tiles-1, all
// columns between), zeros (from zero + t*step) elsewhere: a run of a row of
// tiles, its first and last tiles possibly cut by the image's left and
// right edges, in one call, as winogradInputRowGo. The positions outside
// are never read: their pointers (16 per tile, in three tables built
// first: the first tile's, the middle ones', the last's) point at zero.
func genWinogradInput() {
	name := header(avx512, "winogradInput", "func(x *float32, off *int, rows, first, last int, zero *float32, step, tiles, c int, o *float32, stride int)",
		"writes the Winograd input transform Bᵀ d B of a run of tiles tiles: tile t's 4×4 patch position (r, s) at",
		"x + off[r] + s*c + t*step where row r is inside (bit r of rows) and column s too (bit s of first for tile 0,",
		"of last for tile tiles-1), zeros from zero + t*step elsewhere; position ξ of its result at o + ξ*stride + t*c,",
		"c channels each, as winogradInputRowGo.")
	tab := b.AllocLocal(3 * 16 * 8) // the middle tiles', the first's, the last's
	winogradInputTables(tab)
	tiles, ob := load64("tiles"), load64("o")
	toff := b.GP64() // t*step*4
	b.XORQ(toff, toff)
	b.TESTQ(tiles, tiles)
	b.JZ(op.LabelRef(name + "_done"))
	b.Label(name + "_tile")
	tp, alt := b.GP64(), b.GP64()
	b.LEAQ(tab, tp)
	b.LEAQ(tab.Offset(128), alt)
	b.TESTQ(toff, toff)
	b.CMOVQEQ(alt, tp)
	b.LEAQ(tab.Offset(256), alt)
	b.CMPQ(tiles, op.U8(1))
	b.CMOVQEQ(alt, tp)
	cp, cc, ptr := b.GP64(), load64("c"), b.GP64()
	b.XORQ(cp, cp)
	winoChannels(name, cc, cp, func(c vecCtx) {
		var d [16]reg.VecVirtual
		for i := range d {
			b.MOVQ(op.Mem{Base: tp, Disp: 8 * i}, ptr)
			b.ADDQ(toff, ptr)
			d[i] = c.load(op.Mem{Base: ptr, Index: cp, Scale: 1})
			if i >= 8 && i%4 < 2 { // rows 2 and 3: the next row of tiles' new rows
				b.PREFETCHT0(op.Mem{Base: ptr, Index: cp, Scale: 1, Disp: prefetchDist})
			}
		}
		stride := load64("stride")
		b.SHLQ(op.U8(2), stride)
		b.LEAQ(op.Mem{Base: ob, Index: cp, Scale: 1}, ptr)
		out := func(t0, t1, t2, t3 reg.VecVirtual) {
			for _, v := range []reg.VecVirtual{sub(t0, t2), add(t1, t2), sub(t2, t1), sub(t1, t3)} {
				c.store(v, op.Mem{Base: ptr})
				b.ADDQ(stride, ptr)
			}
		}
		// Rows of Bᵀ d (d0-d8, d4+d8, d8-d4, d4-d12, four columns each),
		// each times B.
		out(sub(d[0], d[8]), sub(d[1], d[9]), sub(d[2], d[10]), sub(d[3], d[11]))
		out(add(d[4], d[8]), add(d[5], d[9]), add(d[6], d[10]), add(d[7], d[11]))
		out(sub(d[8], d[4]), sub(d[9], d[5]), sub(d[10], d[6]), sub(d[11], d[7]))
		out(sub(d[4], d[12]), sub(d[5], d[13]), sub(d[6], d[14]), sub(d[7], d[15]))
	})
	step, n := load64("step"), load64("c")
	b.LEAQ(op.Mem{Base: toff, Index: step, Scale: 4}, toff)
	b.LEAQ(op.Mem{Base: ob, Index: n, Scale: 4}, ob)
	b.DECQ(tiles)
	b.JNZ(op.LabelRef(name + "_tile"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// winogradInputTables fills the three tables of genWinogradInput's 16
// patch pointers at tab: x + off[r] + s*c (in bytes ×4) where row r is
// inside, else zero; the first tile's and the last's with zero too where
// column s is outside (bit s of first, last).
func winogradInputTables(tab op.Mem) {
	xp, offp, zp := load64("x"), load64("off"), load64("zero")
	rows, first, last := load64("rows"), load64("first"), load64("last")
	cb, cb3 := load64("c"), b.GP64()
	b.SHLQ(op.U8(2), cb)
	b.LEAQ(op.Mem{Base: cb, Index: cb, Scale: 2}, cb3)
	base, p, q := b.GP64(), b.GP64(), b.GP64()
	for r := range 4 {
		b.MOVQ(op.Mem{Base: offp, Disp: 8 * r}, base)
		b.LEAQ(op.Mem{Base: xp, Index: base, Scale: 4}, base)
		for s := range 4 {
			m := op.Mem{Base: base}
			switch s {
			case 1, 2:
				m.Index, m.Scale = cb, uint8(s)
			case 3:
				m.Index, m.Scale = cb3, 1
			}
			b.LEAQ(m, p)
			b.TESTQ(op.U32(1<<r), rows)
			b.CMOVQEQ(zp, p)
			b.MOVQ(p, tab.Offset(8*(4*r+s)))
			b.MOVQ(p, q)
			b.TESTQ(op.U32(1<<s), first)
			b.CMOVQEQ(zp, q)
			b.MOVQ(q, tab.Offset(128+8*(4*r+s)))
			b.TESTQ(op.U32(1<<s), last)
			b.CMOVQEQ(zp, p)
			b.MOVQ(p, tab.Offset(256+8*(4*r+s)))
		}
	}
}

// genWinogradOutput emits, for t < tiles and channel i < f,
//
//	dst[k] + t*step + i = (Aᵀ m A)[k] + bias[i]   with position ξ of m at m + ξ*stride + t*f
//
// as winogradOutputGo.
func genWinogradOutput() {
	name := header(avx512, "winogradOutput", "func(m *float32, stride, tiles, f int, bias *float32, dst **float32, step int, relu bool)",
		"writes the Winograd output transform Aᵀ m A + bias of tiles tiles: position ξ of tile t's products at",
		"m + ξ*stride + t*f, output k (of (0,0), (0,1), (1,0), (1,1)) at dst[k] + t*step, f channels each,",
		"with relu max(y, 0) (as reluAVX512), as winogradOutputGo.")
	dp := load64("dst")
	zero, abs := avx512.zero(), vbroadcast(0x7fffffff)
	relu := b.GP8()
	b.Load(b.Param("relu"), relu)
	tileLoop(name, "m", "f", func(c vecCtx, mb, toff, cp, ptr reg.GPVirtual) {
		stride := load64("stride")
		b.SHLQ(op.U8(2), stride)
		b.LEAQ(op.Mem{Base: mb, Index: cp, Scale: 1}, ptr)
		var m [16]reg.VecVirtual
		for i := range m {
			m[i] = c.load(op.Mem{Base: ptr})
			if i < 15 {
				b.ADDQ(stride, ptr)
			}
		}
		// Aᵀ m: s (rows 0+1+2) and u (rows 1-2-3) of each column.
		var s, u [4]reg.VecVirtual
		for j := range s {
			s[j] = add(add(m[j], m[4+j]), m[8+j])
			u[j] = sub(sub(m[4+j], m[8+j]), m[12+j])
		}
		bias := load64("bias")
		bv := c.load(op.Mem{Base: bias, Index: cp, Scale: 1})
		ys := []reg.VecVirtual{
			add(add(add(s[0], s[1]), s[2]), bv), add(sub(sub(s[1], s[2]), s[3]), bv),
			add(add(add(u[0], u[1]), u[2]), bv), add(sub(sub(u[1], u[2]), u[3]), bv),
		}
		skip := name + "_norelu"
		if c.k != nil {
			skip += "m"
		}
		b.TESTB(relu, relu)
		b.JZ(op.LabelRef(skip))
		for _, y := range ys {
			b.VMAXPS(y, zero, y) // zero > y ? zero : y
			b.VPANDD(abs, y, y)
		}
		b.Label(skip)
		for k, y := range ys {
			b.MOVQ(op.Mem{Base: dp, Disp: 8 * k}, ptr)
			b.ADDQ(toff, ptr)
			c.store(y, op.Mem{Base: ptr, Index: cp, Scale: 1})
			b.PREFETCHT0(op.Mem{Base: ptr, Index: cp, Scale: 1, Disp: prefetchDist})
		}
	})
}

// genWinogradGradOut emits, for t < tiles and channel i < f,
//
//	o[ξ*stride + t*f + i] = (A dy Aᵀ)[ξ]   with output k of dy's 2×2 tile at dy[k] + t*step + i
//
// (the gradient of the products from the output's, A = [1 0; 1 1; 1 -1;
// 0 -1]) as winogradGradOutGo; -x flips the sign bit, as Go's negation.
func genWinogradGradOut() {
	name := header(avx512, "winogradGradOut", "func(dy **float32, step, tiles, f int, o *float32, stride int)",
		"writes A dy Aᵀ of tiles tiles: output k (of (0,0), (0,1), (1,0), (1,1)) of tile t's gradient at dy[k] + t*step,",
		"position ξ of its result at o + ξ*stride + t*f, f channels each, as winogradGradOutGo.")
	dp := load64("dy")
	sign := vbroadcast(0x80000000)
	tileLoop(name, "o", "f", func(c vecCtx, ob, toff, cp, ptr reg.GPVirtual) {
		var d [4]reg.VecVirtual
		for k := range d {
			b.MOVQ(op.Mem{Base: dp, Disp: 8 * k}, ptr)
			b.ADDQ(toff, ptr)
			d[k] = c.load(op.Mem{Base: ptr, Index: cp, Scale: 1})
			b.PREFETCHT0(op.Mem{Base: ptr, Index: cp, Scale: 1, Disp: prefetchDist})
		}
		neg := func(x reg.VecVirtual) reg.VecVirtual {
			r := b.ZMM()
			b.VPXORD(sign, x, r)
			return r
		}
		stride := load64("stride")
		b.SHLQ(op.U8(2), stride)
		b.LEAQ(op.Mem{Base: ob, Index: cp, Scale: 1}, ptr)
		row := func(p, q reg.VecVirtual) { // p, p+q, p-q, -q
			for _, v := range []reg.VecVirtual{p, add(p, q), sub(p, q), neg(q)} {
				c.store(v, op.Mem{Base: ptr})
				b.ADDQ(stride, ptr)
			}
		}
		// Rows of A dy: (a, b), (a+c, b+d), (a-c, b-d), (-c, -d).
		row(d[0], d[1])
		row(add(d[0], d[2]), add(d[1], d[3]))
		row(sub(d[0], d[2]), sub(d[1], d[3]))
		row(neg(d[2]), neg(d[3]))
	})
}
