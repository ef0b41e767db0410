package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The batch-normalization kernels of a training step whose relu6 is fused
// after the BatchNormalization and whose relu6 gradient is kept as bits
// (one per value, bit i%8 of byte i/8): Forward writes relu6's output and
// the bits where relu6 passes its gradient (0 < y < 6, relu6GradGo's
// test); Backward's two passes read the bits instead of relu6's output,
// and the first no longer writes the masked dy back. The channel count is
// a multiple of 8 (the Go wrappers run the Go twins otherwise), so each
// vector of 8 channels of a row has its own byte of bits: no tail.
func genNormKeep() {
	genNormApplyKeep(true)
	genNormApplyKeep(false)
	genNormApplyAddReluKeep()
	genNormSumsKeep()
	genNormGradKeep(false)
	genNormGradKeep(true)
	genNormAddKept()
}

// keepBlocks emits the loop over channel blocks of 4, 2 and 1 vectors of
// 8 channels (cols a multiple of 8, consumed), advancing the row-major
// float32 arrays f32 and the bits kp past each block, and off, the
// block's offset in bytes into the per-channel float64 arrays; block
// emits the work on vecs vectors for every row. The float64 arrays are
// addressed from their parameters (per64) to spare registers.
func keepBlocks(name string, cols reg.GPVirtual, f32 []reg.GPVirtual, kp reg.GPVirtual, block func(vecs int, off reg.GPVirtual)) {
	off := b.GP64()
	b.XORQ(off, off)
	for _, vecs := range []int{4, 2, 1} {
		w := vecs * 8
		top, next := fmt.Sprintf("%s_c%d", name, vecs), fmt.Sprintf("%s_c%ddone", name, vecs)
		b.Label(top)
		b.CMPQ(cols, op.U32(w))
		b.JL(op.LabelRef(next))
		block(vecs, off)
		b.ADDQ(op.U32(w*8), off)
		for _, p := range f32 {
			b.ADDQ(op.U32(w*4), p)
		}
		b.ADDQ(op.U32(vecs), kp)
		b.SUBQ(op.U32(w), cols)
		b.JMP(op.LabelRef(top))
		b.Label(next)
	}
	b.VZEROUPPER()
	b.RET()
}

// per64 returns the memory operand of vector v of the block at off of
// the per-channel float64 parameter name (its address loaded into a
// scratch register).
func per64(name string, off reg.GPVirtual, v int) op.Mem {
	p := load64(name)
	return op.Mem{Base: p, Index: off, Scale: 1, Disp: 64 * v}
}

// keepRows emits a loop over the rows (the parameter rows): copies of the float32 block pointers
// ptrs advance by ld bytes per row, a copy of the bits pointer kp by kld;
// body emits one row.
func keepRows(label string, ld, kld reg.GPVirtual, ptrs []reg.GPVirtual, span int, kp reg.GPVirtual, body func(p []reg.GPVirtual, k reg.GPVirtual)) {
	r := load64("rows")
	p := make([]reg.GPVirtual, len(ptrs))
	for i, q := range ptrs {
		p[i] = b.GP64()
		b.MOVQ(q, p[i])
	}
	k := b.GP64()
	b.MOVQ(kp, k)
	b.TESTQ(r, r)
	b.JZ(op.LabelRef(label + "_end"))
	b.Label(label)
	prefetchRow(p, span)
	body(p, k)
	for _, q := range p {
		b.ADDQ(ld, q)
	}
	b.ADDQ(kld, k)
	b.DECQ(r)
	b.JNZ(op.LabelRef(label))
	b.Label(label + "_end")
}

// keepStrides returns a row's stride in bytes of float32 (cols·4) and of
// bits (cols/8).
func keepStrides(cols reg.GPVirtual) (ld, kld reg.GPVirtual) {
	ld, kld = b.GP64(), b.GP64()
	b.MOVQ(cols, ld)
	b.SHLQ(op.U8(2), ld)
	b.MOVQ(cols, kld)
	b.SHRQ(op.U8(3), kld)
	return ld, kld
}

// loadKeep loads the byte of bits at m into an opmask.
func loadKeep(m op.Mem) reg.OpmaskVirtual {
	g, k := b.GP32(), b.K()
	b.MOVBLZX(m, g)
	b.KMOVW(g, k)
	return k
}

func genNormApplyKeep(relu6 bool) {
	name, act, test := "normApplyReluKeepAVX512", "relu", "y > 0 (reluGradGo's test: -int32(bits) < 0)"
	if relu6 {
		name, act, test = "normApplyRelu6KeepAVX512", "relu6", "0 < y < 6"
	}
	b.TEXT(name, b.NOSPLIT, "func(y, x *float32, keep *uint8, scale, shift *float64, rows, cols int)")
	b.Pragma("noescape")
	b.Doc(fmt.Sprintf("%s (AVX-512) writes y = %s(x·scale[j] + shift[j]) in float32 for the rows of x (rows × cols, row-major, "+
		"cols a multiple of 8) and keep's bits where %s, as normApply%sKeepGo.", name, act, test, map[bool]string{false: "Relu", true: "Relu6"}[relu6]))
	y, x, kp := load64("y"), load64("x"), load64("keep")
	cols := load64("cols")
	ld, kld := keepStrides(cols)
	c := actConsts{relu6: relu6, zero: splat32z(0), abs: splat32z(0x7fffffff)}
	if relu6 {
		c.six, c.one, c.six1 = splat32z(0x40c00000), splat32z(1), splat32z(0x40c00000-1)
	}
	n := 0
	keepBlocks(name, cols, []reg.GPVirtual{x, y}, kp, func(vecs int, off reg.GPVirtual) {
		n++
		scv, shv := constPairs("scale", off, vecs), constPairs("shift", off, vecs)
		keepRows(fmt.Sprintf("%s_rows%d", name, n), ld, kld, []reg.GPVirtual{x, y}, 32*vecs, kp, func(p []reg.GPVirtual, kr reg.GPVirtual) {
			for v := 0; v < vecs; v += 2 {
				// 8 values per vector of float64, 16 (two vectors) per
				// vector of float32: the activation and the bits a pair at a time
				yz := applyPair(p[0], scv, shv, v, vecs)
				if v+1 < vecs {
					c.keep16(yz, op.Mem{Base: p[1], Disp: 32 * v}, op.Mem{Base: kr, Disp: v})
				} else {
					c.keep16(yz.AsY(), op.Mem{Base: p[1], Disp: 32 * v}, op.Mem{Base: kr, Disp: v})
				}
			}
		})
	})
}

// applyPair returns x·scale + shift in float32 for vectors v and v+1
// (when v+1 < vecs) of 8 channels of the row of x at p: a ZMM register
// of 16 values, or its YMM half of 8 (scv and shv: constPairs).
func applyPair(p reg.GPVirtual, scv, shv []reg.VecVirtual, v, vecs int) reg.VecVirtual {
	yz := b.ZMM()
	as := func(r reg.VecVirtual) reg.VecVirtual { return r }
	if v+1 >= vecs {
		as = func(r reg.VecVirtual) reg.VecVirtual { return r.AsY().(reg.VecVirtual) }
	}
	b.VMOVUPS(op.Mem{Base: p, Disp: 32 * v}, as(yz))
	b.VMULPS(as(scv[v/2]), as(yz), as(yz))
	b.VADDPS(as(shv[v/2]), as(yz), as(yz))
	return yz
}

// constPairs loads the per-channel float64 constants of the block at off
// of the parameter name rounded to float32, two vectors of 8 channels to
// a ZMM register (the last one alone in its YMM half when vecs is odd).
func constPairs(name string, off reg.GPVirtual, vecs int) []reg.VecVirtual {
	var pairs []reg.VecVirtual
	for v := 0; v < vecs; v += 2 {
		z := b.ZMM()
		b.VCVTPD2PS(load64s(per64(name, off, v), nil), z.AsY())
		if v+1 < vecs {
			hi := b.YMM()
			b.VCVTPD2PS(load64s(per64(name, off, v+1), nil), hi)
			b.VINSERTF64X4(op.U8(1), hi, z, z)
		}
		pairs = append(pairs, z)
	}
	return pairs
}

// actConsts are the splats of the activation and of its gradient's test
// (ZMM registers; their YMM halves serve 8 values): relu6, or relu.
type actConsts struct {
	relu6                     bool
	zero, abs, six, one, six1 reg.VecVirtual
}

// keep16 applies the activation to the 16 (ZMM) or 8 (YMM) float32 values
// in yv (as genRelu6 or genRelu), stores them at ym and the bits where
// its gradient passes at km (two bytes or one).
func (c actConsts) keep16(yv reg.Register, ym, km op.Mem) {
	as := func(r reg.VecVirtual) reg.Register { return r }
	if yv.Size() == 32 {
		as = func(r reg.VecVirtual) reg.Register { return r.AsY() }
	}
	b.VMAXPS(yv, as(c.zero), yv)
	b.VPANDD(as(c.abs), yv, yv)
	if c.relu6 {
		b.VADDPS(as(c.zero), yv, yv)
		b.VMINPS(yv, as(c.six), yv)
	}
	b.VMOVUPS(yv, ym)
	u, k := b.ZMM(), b.K()
	if c.relu6 {
		b.VPSUBD(as(c.one), yv, as(u)) // bits - 1: +0 and -0 wrap past six1
		b.VPCMPUD(op.U8(1), as(c.six1), as(u), k)
	} else {
		b.VPSUBD(yv, as(c.zero), as(u)) // -bits, negative where relu passes
		b.VPCMPD(op.U8(1), as(c.zero), as(u), k)
	}
	if yv.Size() == 32 { // one byte: through a register (KMOVB is AVX512DQ)
		g := b.GP32()
		b.KMOVW(k, g)
		b.MOVB(g.As8(), km)
		return
	}
	b.KMOVW(k, km)
}

// keepMasks returns the opmasks of vectors v and v+1 (when v+1 < vecs) of
// a row, from the bytes at km: a pair's two bytes in one load, the
// second vector's shifted down.
func keepMasks(km op.Mem, v, vecs int) (reg.OpmaskVirtual, reg.OpmaskVirtual) {
	if v+1 >= vecs {
		return loadKeep(km), nil
	}
	k0, k1 := b.K(), b.K()
	b.KMOVW(km, k0)
	b.KSHIFTRW(op.U8(8), k0, k1)
	return k0, k1
}

// splat32z returns 16 int32 lanes (a ZMM register) of the bits u.
func splat32z(u uint32) reg.VecVirtual {
	g, v := b.GP32(), b.ZMM()
	b.MOVL(op.U32(u), g)
	b.VPBROADCASTD(g, v)
	return v
}

func genNormSumsKeep() {
	name := "normSumsKeepAVX512"
	b.TEXT(name, b.NOSPLIT, "func(s, q, a, bb *float64, x, dy *float32, keep *uint8, rows, cols int)")
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) adds Σ e to s[j] and Σ e·h to q[j] over the rows of x (rows × cols, row-major, cols a multiple of 8), " +
		"with h = (x - a[j])·bb[j] and e = dy where keep's bit is set, 0 elsewhere, in float64 over groups of rows, each group's " +
		"Σ e·h as bb[j]·(Σ e·x - a[j]·Σ e), as normSumsKeepGo.")
	x, dy, kp := load64("x"), load64("dy"), load64("keep")
	cols := load64("cols")
	ld, kld := keepStrides(cols)
	n := 0
	keepBlocks(name, cols, []reg.GPVirtual{x, dy}, kp, func(vecs int, off reg.GPVirtual) {
		n++
		av, bv, sv, qv := make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			av[v], bv[v] = load64s(per64("a", off, v), nil), load64s(per64("bb", off, v), nil)
			sv[v], qv[v] = load64s(per64("s", off, v), nil), load64s(per64("q", off, v), nil)
		}
		var km [2]reg.OpmaskVirtual
		groupSums(fmt.Sprintf("%s_rows%d", name, n), load64("rows"), ld, []reg.GPVirtual{ld, ld, kld}, []reg.GPVirtual{x, dy, kp}, 2, av, bv, sv, qv,
			func(p []reg.GPVirtual, v int) (e, x reg.VecVirtual) {
				if v%2 == 0 {
					km[0], km[1] = keepMasks(op.Mem{Base: p[2], Disp: v}, v, vecs)
				}
				// +0 where not kept
				return widen(op.Mem{Base: p[1], Disp: 32 * v}, km[v%2]), widen(op.Mem{Base: p[0], Disp: 32 * v}, nil)
			})
		for v := 0; v < vecs; v++ {
			store64s(sv[v], per64("s", off, v), nil)
			store64s(qv[v], per64("q", off, v), nil)
		}
	})
}

// genNormGradKeep emits normGradKeepAVX512, which writes the input
// gradient over dy, or with to normGradKeepToAVX512, which writes it to
// dx and leaves dy.
func genNormGradKeep(to bool) {
	name, sig, out := "normGradKeepAVX512", "func(dy, x *float32, keep *uint8, a, bb, k, m1, m2 *float64, rows, cols int)", "overwrites dy with"
	if to {
		name, sig, out = "normGradKeepToAVX512", "func(dx, dy, x *float32, keep *uint8, a, bb, k, m1, m2 *float64, rows, cols int)", "writes dx ="
	}
	b.TEXT(name, b.NOSPLIT, sig)
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) " + out + " float32(k[j]·d - (p[j]·x + c0[j])) in float64 with fused multiply-adds for the rows of x and dy (rows × cols, " +
		"row-major, cols a multiple of 8), d = dy where keep's bit is set and 0 elsewhere, p and c0 from a, bb, k, m1, m2 as gradConsts, as normGradKeepGo.")
	dy, x, kp := load64("dy"), load64("x"), load64("keep")
	f32 := []reg.GPVirtual{x, dy}
	if to {
		f32 = append(f32, load64("dx"))
	}
	cols := load64("cols")
	ld, kld := keepStrides(cols)
	n := 0
	keepBlocks(name, cols, f32, kp, func(vecs int, off reg.GPVirtual) {
		n++
		c := make([][3]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			var in [5]reg.VecVirtual
			for i, p := range []string{"a", "bb", "k", "m1", "m2"} {
				in[i] = load64s(per64(p, off, v), nil)
			}
			c[v] = gradConsts(in)
		}
		keepRows(fmt.Sprintf("%s_rows%d", name, n), ld, kld, f32, 32*vecs, kp, func(p []reg.GPVirtual, kr reg.GPVirtual) {
			var km [2]reg.OpmaskVirtual
			for v := 0; v < vecs; v++ {
				if v%2 == 0 {
					km[0], km[1] = keepMasks(op.Mem{Base: kr, Disp: v}, v, vecs)
				}
				g := gradCombine(widen(op.Mem{Base: p[0], Disp: 32 * v}, nil), widen(op.Mem{Base: p[1], Disp: 32 * v}, km[v%2]), c[v])
				narrow(g, op.Mem{Base: p[len(p)-1], Disp: 32 * v}, nil)
			}
		})
	})
}

// genNormAddKept emits normAddKeptAVX512: y[i] += x[i] where keep's bit i
// is set (+0 elsewhere), 16 values (two bytes of bits) at a time: a
// gradient added to another one masked by relu's bits (AddKept).
func genNormAddKept() {
	name := "normAddKeptAVX512"
	b.TEXT(name, b.NOSPLIT, "func(y, x *float32, keep *uint8, groups int)")
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) adds x[i] to y[i] where bit i%8 of keep[i/8] is set and +0 elsewhere, for i < 16·groups, as addKeptGo.")
	y, x, kp, g := load64("y"), load64("x"), load64("keep"), load64("groups")
	k := b.K()
	b.Label(name + "_loop")
	b.TESTQ(g, g)
	b.JZ(op.LabelRef(name + "_done"))
	prefetchRow([]reg.GPVirtual{y, x}, 64)
	b.KMOVW(op.Mem{Base: kp}, k)
	v, d := b.ZMM(), b.ZMM()
	b.VMOVUPS_Z(op.Mem{Base: x}, k, v)
	b.VMOVUPS(op.Mem{Base: y}, d)
	b.VADDPS(v, d, d) // d + v, as addTo
	b.VMOVUPS(d, op.Mem{Base: y})
	b.ADDQ(op.U32(64), y)
	b.ADDQ(op.U32(64), x)
	b.ADDQ(op.U32(2), kp)
	b.DECQ(g)
	b.JMP(op.LabelRef(name + "_loop"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// genNormApplyAddReluKeep emits normApplyAddReluKeepAVX512: a
// BatchNormalization's output, the residual Add after it and the Add's
// relu in one pass (y = relu(x·scale + shift + r) in float32), with relu's
// bits as normApplyReluKeepAVX512 keeps them.
func genNormApplyAddReluKeep() {
	name := "normApplyAddReluKeepAVX512"
	b.TEXT(name, b.NOSPLIT, "func(y, x, r *float32, keep *uint8, scale, shift *float64, rows, cols int)")
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) writes y = relu(x·scale[j] + shift[j] + r) in float32 for the rows of x and r (rows × cols, row-major, " +
		"cols a multiple of 8) and keep's bits where y > 0 (reluGradGo's test: -int32(bits) < 0), as normApplyAddReluKeepGo.")
	y, x, r, kp := load64("y"), load64("x"), load64("r"), load64("keep")
	cols := load64("cols")
	ld, kld := keepStrides(cols)
	c := actConsts{zero: splat32z(0), abs: splat32z(0x7fffffff)}
	n := 0
	keepBlocks(name, cols, []reg.GPVirtual{x, y, r}, kp, func(vecs int, off reg.GPVirtual) {
		n++
		scv, shv := constPairs("scale", off, vecs), constPairs("shift", off, vecs)
		keepRows(fmt.Sprintf("%s_rows%d", name, n), ld, kld, []reg.GPVirtual{x, y, r}, 32*vecs, kp, func(p []reg.GPVirtual, kr reg.GPVirtual) {
			for v := 0; v < vecs; v += 2 {
				yz := applyPair(p[0], scv, shv, v, vecs)
				rm := op.Mem{Base: p[2], Disp: 32 * v}
				if v+1 < vecs {
					b.VADDPS(rm, yz, yz)
					c.keep16(yz, op.Mem{Base: p[1], Disp: 32 * v}, op.Mem{Base: kr, Disp: v})
				} else {
					b.VADDPS(rm, yz.AsY(), yz.AsY())
					c.keep16(yz.AsY(), op.Mem{Base: p[1], Disp: 32 * v}, op.Mem{Base: kr, Disp: v})
				}
			}
		})
	})
}
