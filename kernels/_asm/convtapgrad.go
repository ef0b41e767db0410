package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The kernel gradient of a stride-1 convolution with three kernel
// columns, for one kernel row and eight input channels, 16 filters
// (convtap_amd64.s; kernels.ConvKernelGradDirect). Over the output rows
// of a block, input pixel p of a row (padded coordinates) meets the
// output gradient at positions p, p-1, p-2 through kernel columns 0, 1,
// 2: the kernel keeps those three dz vectors in registers (loading one
// per pixel), broadcasts the pixel's eight channel values and adds each
// into the three columns' accumulators: 24 FMAs per nine loads. Each
// gradient element sums its positions in ascending order, from zero, one
// FMA each: the segmented SGEMM kernels' bits.

const tapGradChannels = 8

// genConvTapGrad emits convTapGrad8x16AVX512:
//
//	g[(t*c+ch)*f+j] (+)= Σ_{r<rows} Σ_{o<ow} x[r*ldx+(o+t)*c+ch] * dz[(r*ow+o)*f+j]
//
// for t < 3, ch < 8, j < 16, each sum from zero in (r, o) order; with add
// != 0 the old value of g is added to the sum, else g is not read
// (rows >= 1, ow >= 2).
func genConvTapGrad(inPlace bool) {
	name := "convTapGrad8x16AVX512"
	if inPlace {
		name = "convTapGrad8x16PadAVX512"
	}
	b.TEXT(name, b.NOSPLIT, "func(rows, iters, mod int, x *float32, ldx, c int, dz *float32, f int, gr *float32, add int)")
	b.Pragma("noescape")
	b.Doc(name+" sets, for kernel columns t < 3, channels ch < 8 and filters j < 16,",
		"gr[(t*c+ch)*f+j] to Σ_{r<rows} Σ_{o<ow} x[r*ldx+(o+t)*c+ch]*dz[(r*ow+o)*f+j] (from zero, one FMA per",
		"term in (r, o) order), plus gr's old value when add != 0, where ow = 2 + 3*iters + mod (mod < 3, rows >= 1).")
	if inPlace {
		b.Doc("Pad: a row's first and last pixel (o+t = 0 and ow+1) are padding, their terms left out, never read: x points at pixel 1.")
	}
	var acc [3][tapGradChannels]reg.VecVirtual
	for t := range acc {
		for ch := range acc[t] {
			acc[t][ch] = b.ZMM()
			b.VPXORD(acc[t][ch], acc[t][ch], acc[t][ch])
		}
	}
	var d [3]reg.VecVirtual
	for i := range d {
		d[i] = b.ZMM()
	}
	s := load64("c")
	b.SHLQ(op.U8(2), s) // bytes between two pixels of x
	fb := load64("f")
	b.SHLQ(op.U8(2), fb) // bytes between two pixels of dz
	ldxb := load64("ldx")
	b.SHLQ(op.U8(2), ldxb)
	xrow, dp, rows := load64("x"), load64("dz"), load64("rows")
	iters, mod := load64("iters"), load64("mod")
	tapGradRows(name, inPlace, acc, d, xrow, b.GP64(), dp, s, fb, ldxb, rows, iters, mod)
	tapGradStore(name, acc)
}

// tapGradRows emits the loop over the block's output rows.
func tapGradRows(name string, inPlace bool, acc [3][tapGradChannels]reg.VecVirtual, d [3]reg.VecVirtual, xrow, xp, dp, s, fb, ldxb, rows, iters, mod reg.GPVirtual) {
	// pixel emits input pixel j: dz[j] (when load) into d[j%3], then its
	// channels broadcast and added with column t into acc[t] against
	// dz[j-t] in d[(j-t)%3], for the columns in ts.
	pixel := func(j int, load bool, ts []int) {
		if load {
			b.VMOVUPS(op.Mem{Base: dp}, d[j%3])
			b.ADDQ(fb, dp)
		}
		for ch := 0; ch < tapGradChannels; ch++ {
			v := b.ZMM()
			b.VBROADCASTSS(op.Mem{Base: xp, Disp: 4 * ch}, v)
			for _, t := range ts {
				b.VFMADD231PS(d[((j-t)%3+3)%3], v, acc[t][ch])
			}
		}
		b.ADDQ(s, xp)
	}
	all := []int{0, 1, 2}
	b.Label(name + "_row")
	b.MOVQ(xrow, xp)
	if inPlace { // pixel 0 is padding: only dz[0]
		b.VMOVUPS(op.Mem{Base: dp}, d[0])
		b.ADDQ(fb, dp)
	} else {
		pixel(0, true, []int{0})
	}
	pixel(1, true, []int{0, 1})
	cnt := b.GP64()
	b.MOVQ(iters, cnt)
	b.TESTQ(cnt, cnt)
	b.JZ(op.LabelRef(name + "_rest"))
	b.Label(name + "_steady")
	pixel(2, true, all)
	pixel(3, true, all)
	pixel(4, true, all)
	b.DECQ(cnt)
	b.JNZ(op.LabelRef(name + "_steady"))
	b.Label(name + "_rest")
	// ow-2 = 3*iters + mod: the pixels after the loop start at a j with
	// j%3 == 2; the last output position is ow-1 = 1 + 3*iters + mod.
	b.CMPQ(mod, op.U8(1))
	b.JE(op.LabelRef(name + "_rest1"))
	b.JA(op.LabelRef(name + "_rest2"))
	tail := func(last int) { // last = (ow-1)%3 as a j: pixels ow and ow+1
		pixel(last+1, false, []int{1, 2})
		if !inPlace { // pixel ow+1: padding in place
			pixel(last+2, false, []int{2})
		}
		b.JMP(op.LabelRef(name + "_next"))
	}
	tail(1) // mod 0: ow-1 ≡ 1
	b.Label(name + "_rest1")
	pixel(2, true, all)
	tail(2) // ow-1 ≡ 2
	b.Label(name + "_rest2")
	pixel(2, true, all)
	pixel(3, true, all)
	tail(3) // ow-1 ≡ 0
	b.Label(name + "_next")
	b.ADDQ(ldxb, xrow)
	b.DECQ(rows)
	b.JNZ(op.LabelRef(name + "_row"))
}

// tapGradStore emits the epilogue: acc[t][ch] added to g's old value when add
// != 0, then stored at g + (t*c + ch)*f.
func tapGradStore(name string, acc [3][tapGradChannels]reg.VecVirtual) {
	gp, add := load64("gr"), load64("add")
	fb := load64("f")
	b.SHLQ(op.U8(2), fb)
	cf := load64("c")
	b.IMULQ(fb, cf) // bytes between two kernel columns of g
	b.TESTQ(add, add)
	b.JZ(op.LabelRef(name + "_store"))
	q := b.GP64()
	b.MOVQ(gp, q)
	for ch := 0; ch < tapGradChannels; ch++ {
		b.VADDPS(op.Mem{Base: q}, acc[0][ch], acc[0][ch])
		b.VADDPS(op.Mem{Base: q, Index: cf, Scale: 1}, acc[1][ch], acc[1][ch])
		b.VADDPS(op.Mem{Base: q, Index: cf, Scale: 2}, acc[2][ch], acc[2][ch])
		b.ADDQ(fb, q)
	}
	b.Label(name + "_store")
	for ch := 0; ch < tapGradChannels; ch++ {
		b.VMOVUPS(acc[0][ch], op.Mem{Base: gp})
		b.VMOVUPS(acc[1][ch], op.Mem{Base: gp, Index: cf, Scale: 1})
		b.VMOVUPS(acc[2][ch], op.Mem{Base: gp, Index: cf, Scale: 2})
		b.ADDQ(fb, gp)
	}
	b.VZEROUPPER()
	b.RET()
}
