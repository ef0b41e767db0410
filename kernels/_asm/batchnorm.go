package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The batch-normalization kernels of package kernels (batchnorm_amd64.s),
// AVX-512 only (elsewhere the Go twins in batchnorm_go.go run). They work
// on rows of c channels (NHWC data, channels contiguous) as the Go twins
// do, the same operations in the same order without FMA. The sums and
// the input gradient run in float64: each float32 input widened exactly
// (VCVTPS2PD), results rounded to float32 (VCVTPD2PS, round to nearest
// even, as Go's conversion). The apply passes run in float32, their
// per-channel float64 constants rounded to float32 once (VCVTPD2PS). The
// channels go in blocks of 4, 2 and 1 vectors of 8 lanes, then one masked
// block for the last c%8; within a block the per-channel constants and
// sums stay in registers while the rows stream by. Every row loop
// prefetches each array it reads or writes prefetchDist bytes ahead
// (prefetchRow): no result depends on it.
//
//   - normSums adds, per channel, Σ e and Σ e·h over the rows, where
//     e = h = x - a (the statistics: statsGroups), or h = (x - a)·b and
//     e = dy when the kernel reads dy (Backward's sums: Σ dy and Σ dy·x in
//     float64 over groups of rows, each group's Σ dy·h taken as
//     b·(Σ dy·x - a·Σ dy): groupSums);
//   - normApply writes y = x·scale + shift in float32;
//   - normGrad writes dy = float32(k·((dy - m1) - h·m2)) with h = (x - a)·b
//     not rounded, computed as k·dy - (p·x + c0) in float64 with fused
//     multiply-adds (gradConsts).

func genBatchNorm() {
	genNormSums("normStatsAVX512", false)
	genNormSums("normGradSumsAVX512", true)
	genNormApply("normApplyAVX512", false)
	genNormApply("normApplyRelu6AVX512", true)
	genNormSumsRelu6()
	genNormGrad("normGradAVX512")
	genNormKeep()
}

// normBlocks emits the loop over channel blocks of a kernel named name:
// cols is the channel count (consumed), f64 the per-channel float64
// arrays and f32 the row-major float32 ones (advanced past each block).
// block emits the work on vecs vectors of 8 channels (under the opmask k
// in the tail, nil otherwise) for every row.
func normBlocks(name string, cols reg.GPVirtual, f64, f32 []reg.GPVirtual, block func(vecs int, k reg.OpmaskVirtual)) {
	for _, vecs := range []int{4, 2, 1} {
		w := vecs * 8
		top, next := fmt.Sprintf("%s_c%d", name, vecs), fmt.Sprintf("%s_c%ddone", name, vecs)
		b.Label(top)
		b.CMPQ(cols, op.U32(w))
		b.JL(op.LabelRef(next))
		block(vecs, nil)
		for _, p := range f64 {
			b.ADDQ(op.U32(w*8), p)
		}
		for _, p := range f32 {
			b.ADDQ(op.U32(w*4), p)
		}
		b.SUBQ(op.U32(w), cols)
		b.JMP(op.LabelRef(top))
		b.Label(next)
	}
	b.TESTQ(cols, cols)
	b.JZ(op.LabelRef(name + "_done"))
	block(1, tailMask(cols))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// load64s loads a per-channel float64 vector (masked under k).
func load64s(m op.Mem, k reg.OpmaskVirtual) reg.VecVirtual {
	v := b.ZMM()
	if k != nil {
		b.VMOVUPD_Z(m, k, v)
	} else {
		b.VMOVUPD(m, v)
	}
	return v
}

func store64s(v reg.VecVirtual, m op.Mem, k reg.OpmaskVirtual) {
	if k != nil {
		b.VMOVUPD(v, k, m)
	} else {
		b.VMOVUPD(v, m)
	}
}

// widen loads 8 float32 at m as float64 (masked under k).
func widen(m op.Mem, k reg.OpmaskVirtual) reg.VecVirtual {
	v := b.ZMM()
	if k != nil {
		b.VCVTPS2PD_Z(m, k, v)
	} else {
		b.VCVTPS2PD(m, v)
	}
	return v
}

// narrow rounds v to float32 and stores the 8 values at m (masked under k).
func narrow(v reg.VecVirtual, m op.Mem, k reg.OpmaskVirtual) {
	y := b.YMM()
	b.VCVTPD2PS(v, y)
	if k != nil {
		b.VMOVUPS(y, k, m)
	} else {
		b.VMOVUPS(y, m)
	}
}

// sumsGroupRows is the rows Backward's sums kernels sum before adding to
// the float64 sums (kernels.SumsGroupRows).
const sumsGroupRows = 16

// groupSums emits Backward's sums over the rows (rows, not consumed) in
// groups of sumsGroupRows rows (the last possibly shorter): per group,
// float64 sums of e and e·x (row loads emits, per vector v, e and x
// widened to float64; their product is exact, so the fused multiply-add
// adds it with one rounding, as an add would) from +0, and at the
// group's end s += Σe and q += b·(Σe·x - a·Σe) (two fused multiply-adds)
// on the float64 sums sv and qv with the constants av and bv. ptrs are
// copied and advance by ld bytes per row (by lds[i] where lds is longer).
func groupSums(label string, rows reg.Register, ld reg.GPVirtual, lds []reg.GPVirtual, ptrs []reg.GPVirtual, pf int, av, bv, sv, qv []reg.VecVirtual, loads func(p []reg.GPVirtual, v int) (e, x reg.VecVirtual)) {
	vecs := len(sv)
	ps, px := make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
	for v := range ps {
		ps[v], px[v] = b.ZMM(), b.ZMM()
	}
	r, g := b.GP64(), b.GP64()
	b.MOVQ(rows, r)
	p := make([]reg.GPVirtual, len(ptrs))
	for i, q := range ptrs {
		p[i] = b.GP64()
		b.MOVQ(q, p[i])
	}
	b.Label(label + "_group")
	b.TESTQ(r, r)
	b.JZ(op.LabelRef(label + "_end"))
	b.MOVQ(op.U32(sumsGroupRows), g)
	b.CMPQ(r, g)
	b.CMOVQLT(r, g)
	b.SUBQ(g, r)
	for v := range ps {
		b.VXORPD(ps[v], ps[v], ps[v])
		b.VXORPD(px[v], px[v], px[v])
	}
	b.Label(label)
	prefetchRow(p[:pf], 32*vecs)
	for v := range ps {
		e, x := loads(p, v)
		b.VADDPD(e, ps[v], ps[v])
		b.VFMADD231PD(x, e, px[v]) // Σe·x += e·x, exact product
	}
	for i, q := range p {
		if i < len(lds) {
			b.ADDQ(lds[i], q)
		} else {
			b.ADDQ(ld, q)
		}
	}
	b.DECQ(g)
	b.JNZ(op.LabelRef(label))
	for v := range ps {
		b.VADDPD(ps[v], sv[v], sv[v])
		b.VFNMADD231PD(av[v], ps[v], px[v]) // Σe·x - a·Σe, fused
		b.VFMADD231PD(bv[v], px[v], qv[v])  // q + b·(...), fused
	}
	b.JMP(op.LabelRef(label + "_group"))
	b.Label(label + "_end")
}

// prefetchDist is how far ahead of a row, in bytes, the kernels prefetch
// each array they stream. In a training step a BatchNormalization's
// arrays (and the outputs its passes overwrite) come mostly from memory,
// not the cache (the step's buffers outgrow the share of the L3 cache a
// core gets), and the hardware prefetchers, which stop at 4 KiB pages,
// keep too few lines in flight for loops that work on every line.
const prefetchDist = 4096

// prefetchRow emits a PREFETCHT0 of every cache line of the span bytes
// at prefetchDist past each pointer of ptrs (at least one line).
func prefetchRow(ptrs []reg.GPVirtual, span int) {
	for _, p := range ptrs {
		for off := 0; off < max(span, 1); off += 64 {
			b.PREFETCHT0(op.Mem{Base: p, Disp: prefetchDist + off})
		}
	}
}

// rowLoop emits a loop over rows: ptrs (copies of the row-major arrays'
// block pointers) advance by ld bytes per row; body emits one row.
func rowLoop(label string, rows, ld reg.GPVirtual, ptrs []reg.GPVirtual, span int, body func(p []reg.GPVirtual)) {
	r := b.GP64()
	b.MOVQ(rows, r)
	p := make([]reg.GPVirtual, len(ptrs))
	for i, q := range ptrs {
		p[i] = b.GP64()
		b.MOVQ(q, p[i])
	}
	b.TESTQ(r, r)
	b.JZ(op.LabelRef(label + "_end"))
	b.Label(label)
	prefetchRow(p, span)
	body(p)
	for _, q := range p {
		b.ADDQ(ld, q)
	}
	b.DECQ(r)
	b.JNZ(op.LabelRef(label))
	b.Label(label + "_end")
}

// genNormSums writes the statistics kernel (e = h = x - a: statsGroups)
// or, withDy, Backward's sums (e = dy: groupSums).
func genNormSums(name string, withDy bool) {
	sig := "func(s, q, a *float64, x *float32, rows, cols int)"
	if withDy {
		sig = "func(s, q, a, bb *float64, x, dy *float32, rows, cols int)"
	}
	b.TEXT(name, b.NOSPLIT, sig)
	b.Pragma("noescape")
	if withDy {
		b.Doc(name + " (AVX-512) adds Σ dy to s[j] and Σ dy·h to q[j] over the rows of x (rows × cols, row-major), with h = (x - a[j])·bb[j], " +
			"in float64 over groups of rows, each group's Σ dy·h as bb[j]·(Σ dy·x - a[j]·Σ dy), as normSumsGo.")
	} else {
		b.Doc(name + " (AVX-512) adds Σ h to s[j] and Σ h·h to q[j] over the rows of x (rows × cols, row-major), with h = x - a[j], " +
			"in float64 over groups of rows, a group's rows alternating between two partial sums (h·h added by fused multiply-adds), as normSumsGo with b nil.")
	}
	s, q, a, x := load64("s"), load64("q"), load64("a"), load64("x")
	f64 := []reg.GPVirtual{s, q, a}
	var bb reg.GPVirtual
	f32 := []reg.GPVirtual{x}
	if withDy {
		bb = load64("bb")
		f64 = append(f64, bb)
		f32 = append(f32, load64("dy"))
	}
	rows, cols := load64("rows"), load64("cols")
	ld := b.GP64()
	b.MOVQ(cols, ld)
	b.SHLQ(op.U8(2), ld)
	n := 0
	normBlocks(name, cols, f64, f32, func(vecs int, k reg.OpmaskVirtual) {
		n++
		av := make([]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			av[v] = load64s(op.Mem{Base: a, Disp: 64 * v}, k)
		}
		if !withDy {
			statsGroups(fmt.Sprintf("%s_rows%d", name, n), rows, ld, x, s, q, av, k)
			return
		}
		// Backward's sums: float64 over groups of rows
		bv, sv, qv := make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			bv[v] = load64s(op.Mem{Base: bb, Disp: 64 * v}, k)
			sv[v], qv[v] = load64s(op.Mem{Base: s, Disp: 64 * v}, k), load64s(op.Mem{Base: q, Disp: 64 * v}, k)
		}
		groupSums(fmt.Sprintf("%s_rows%d", name, n), rows, ld, nil, f32, len(f32), av, bv, sv, qv, func(p []reg.GPVirtual, v int) (e, x reg.VecVirtual) {
			return widen(op.Mem{Base: p[1], Disp: 32 * v}, k), widen(op.Mem{Base: p[0], Disp: 32 * v}, k)
		})
		for v := 0; v < vecs; v++ {
			store64s(sv[v], op.Mem{Base: s, Disp: 64 * v}, k)
			store64s(qv[v], op.Mem{Base: q, Disp: 64 * v}, k)
		}
	})
}

// statsGroups emits the statistics over the rows (not consumed) of the
// block at x (rows ld bytes apart, under the opmask k in the tail): per
// group of sumsGroupRows rows (the last possibly shorter) two partial
// sums of h = x - a and of h·h (fused multiply-adds) from +0,
// then s += P0 + P1 and q += Q0 + Q1 (s and q in memory, at their
// block's place): row i of a group goes to partial i%2. Two chains per
// sum halve the wait on each add.
func statsGroups(label string, rows, ld, x, s, q reg.GPVirtual, av []reg.VecVirtual, k reg.OpmaskVirtual) {
	vecs := len(av)
	var ps, pq [2][]reg.VecVirtual
	for i := range ps {
		ps[i], pq[i] = make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
		for v := range vecs {
			ps[i][v], pq[i][v] = b.ZMM(), b.ZMM()
		}
	}
	r, g, p := b.GP64(), b.GP64(), b.GP64()
	b.MOVQ(rows, r)
	b.MOVQ(x, p)
	row := func(set int, off reg.GPVirtual) { // the row at p (+ off)
		at := func(disp int) op.Mem {
			if off != nil {
				return op.Mem{Base: p, Index: off, Scale: 1, Disp: disp}
			}
			return op.Mem{Base: p, Disp: disp}
		}
		for o := 0; o < 32*vecs; o += 64 {
			b.PREFETCHT0(at(prefetchDist + o))
		}
		for v := range vecs {
			h := widen(at(32*v), k)
			b.VSUBPD(av[v], h, h)
			b.VADDPD(h, ps[set][v], ps[set][v])
			b.VFMADD231PD(h, h, pq[set][v])
		}
	}
	b.Label(label + "_group")
	b.TESTQ(r, r)
	b.JZ(op.LabelRef(label + "_end"))
	b.MOVQ(op.U32(sumsGroupRows), g)
	b.CMPQ(r, g)
	b.CMOVQLT(r, g)
	b.SUBQ(g, r)
	for i := range ps {
		for v := range vecs {
			b.VXORPD(ps[i][v], ps[i][v], ps[i][v])
			b.VXORPD(pq[i][v], pq[i][v], pq[i][v])
		}
	}
	odd := b.GP64()
	b.MOVQ(g, odd)
	b.ANDQ(op.U32(1), odd)
	b.SHRQ(op.U8(1), g) // row pairs: rows 2i and 2i+1 into partials 0 and 1
	b.JZ(op.LabelRef(label + "_odd"))
	b.Label(label)
	row(0, nil)
	row(1, ld)
	b.LEAQ(op.Mem{Base: p, Index: ld, Scale: 2}, p)
	b.DECQ(g)
	b.JNZ(op.LabelRef(label))
	b.Label(label + "_odd") // a short last group's last row: partials 0
	b.TESTQ(odd, odd)
	b.JZ(op.LabelRef(label + "_sum"))
	row(0, nil)
	b.ADDQ(ld, p)
	b.Label(label + "_sum")
	for v := range vecs {
		for i, sq := range []reg.GPVirtual{s, q} {
			part := [2][]reg.VecVirtual{ps[0], ps[1]}
			if i == 1 {
				part = [2][]reg.VecVirtual{pq[0], pq[1]}
			}
			b.VADDPD(part[1][v], part[0][v], part[0][v])
			t := load64s(op.Mem{Base: sq, Disp: 64 * v}, k)
			b.VADDPD(part[0][v], t, t)
			store64s(t, op.Mem{Base: sq, Disp: 64 * v}, k)
		}
	}
	b.JMP(op.LabelRef(label + "_group"))
	b.Label(label + "_end")
}

func genNormApply(name string, relu6 bool) {
	b.TEXT(name, b.NOSPLIT, "func(y, x *float32, scale, shift *float64, rows, cols int)")
	b.Pragma("noescape")
	if relu6 {
		b.Doc(name + " (AVX-512) writes y = relu6(x·scale[j] + shift[j]) in float32 for the rows of x (rows × cols, row-major), as normApplyRelu6Go.")
	} else {
		b.Doc(name + " (AVX-512) writes y = x·scale[j] + shift[j] in float32 for the rows of x (rows × cols, row-major), as normApplyGo.")
	}
	y, x, sc, sh := load64("y"), load64("x"), load64("scale"), load64("shift")
	rows, cols := load64("rows"), load64("cols")
	ld := b.GP64()
	b.MOVQ(cols, ld)
	b.SHLQ(op.U8(2), ld)
	var clamp func(v reg.VecVirtual)
	if relu6 {
		zero, abs, six := splat32(0), splat32(0x7fffffff), splat32(0x40c00000)
		clamp = func(v reg.VecVirtual) { // as genRelu6
			b.VMAXPS(v, zero, v)
			b.VPANDD(abs, v, v)
			b.VADDPS(zero, v, v)
			b.VMINPS(v, six, v)
		}
	}
	n := 0
	normBlocks(name, cols, []reg.GPVirtual{sc, sh}, []reg.GPVirtual{x, y}, func(vecs int, k reg.OpmaskVirtual) {
		n++
		scv, shv := make([]reg.VecVirtual, vecs), make([]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			scv[v], shv[v] = const32(op.Mem{Base: sc, Disp: 64 * v}, k), const32(op.Mem{Base: sh, Disp: 64 * v}, k)
		}
		rowLoop(fmt.Sprintf("%s_rows%d", name, n), rows, ld, []reg.GPVirtual{x, y}, 32*vecs, func(p []reg.GPVirtual) {
			for v := 0; v < vecs; v++ {
				t := load32(op.Mem{Base: p[0], Disp: 32 * v}, k)
				b.VMULPS(scv[v], t, t)
				b.VADDPS(shv[v], t, t)
				if clamp != nil {
					clamp(t)
				}
				store32(t, op.Mem{Base: p[1], Disp: 32 * v}, k)
			}
		})
	})
}

// const32 loads 8 per-channel float64 constants (masked under k) rounded
// to float32 (a YMM register).
func const32(m op.Mem, k reg.OpmaskVirtual) reg.VecVirtual {
	y := b.YMM()
	b.VCVTPD2PS(load64s(m, k), y)
	return y
}

// load32 loads 8 float32 at m (zeroed off the opmask k unless nil).
func load32(m op.Mem, k reg.OpmaskVirtual) reg.VecVirtual {
	v := b.YMM()
	if k != nil {
		b.VMOVUPS_Z(m, k, v)
	} else {
		b.VMOVUPS(m, v)
	}
	return v
}

// store32 stores the 8 float32 of v at m (under k unless nil).
func store32(v reg.VecVirtual, m op.Mem, k reg.OpmaskVirtual) {
	if k != nil {
		b.VMOVUPS(v, k, m)
	} else {
		b.VMOVUPS(v, m)
	}
}

// splat32 returns 8 int32 lanes (a YMM register) of the bits u.
func splat32(u uint32) reg.VecVirtual {
	g, v := b.GP32(), b.YMM()
	b.MOVL(op.U32(u), g)
	b.VPBROADCASTD(g, v)
	return v
}

func genNormGrad(name string) {
	b.TEXT(name, b.NOSPLIT, "func(dy, x *float32, a, bb, k, m1, m2 *float64, rows, cols int)")
	b.Pragma("noescape")
	b.Doc(name + " (AVX-512) overwrites dy with float32(k[j]·dy - (p[j]·x + c0[j])) in float64 with fused multiply-adds for the rows of x " +
		"and dy (rows × cols, row-major), p = k·m2·bb and c0 = k·m1 - p·a (gradConsts), as normGradGo.")
	dy, x := load64("dy"), load64("x")
	a, bb, kk, m1, m2 := load64("a"), load64("bb"), load64("k"), load64("m1"), load64("m2")
	rows, cols := load64("rows"), load64("cols")
	ld := b.GP64()
	b.MOVQ(cols, ld)
	b.SHLQ(op.U8(2), ld)
	n := 0
	normBlocks(name, cols, []reg.GPVirtual{a, bb, kk, m1, m2}, []reg.GPVirtual{x, dy}, func(vecs int, k reg.OpmaskVirtual) {
		n++
		c := make([][3]reg.VecVirtual, vecs)
		for v := 0; v < vecs; v++ {
			var in [5]reg.VecVirtual
			for i, p := range []reg.GPVirtual{a, bb, kk, m1, m2} {
				in[i] = load64s(op.Mem{Base: p, Disp: 64 * v}, k)
			}
			c[v] = gradConsts(in)
		}
		rowLoop(fmt.Sprintf("%s_rows%d", name, n), rows, ld, []reg.GPVirtual{x, dy}, 32*vecs, func(p []reg.GPVirtual) {
			for v := 0; v < vecs; v++ {
				g := gradCombine(widen(op.Mem{Base: p[0], Disp: 32 * v}, k), widen(op.Mem{Base: p[1], Disp: 32 * v}, k), c[v])
				narrow(g, op.Mem{Base: p[1], Disp: 32 * v}, k)
			}
		})
	})
}

// gradConsts returns, from a channel vector's a, bb, k, m1 and m2 (in
// that order), the constants of the input gradient k·((d - m1) - h·m2)
// with h = (x - a)·bb rewritten as k·d - (p·x + c0): p = (k·m2)·bb,
// c0 = k·m1 - p·a (one fused multiply-add), and k.
func gradConsts(in [5]reg.VecVirtual) [3]reg.VecVirtual {
	a, bb, kk, m1, m2 := in[0], in[1], in[2], in[3], in[4]
	p, c0 := b.ZMM(), b.ZMM()
	b.VMULPD(m2, kk, p)
	b.VMULPD(bb, p, p)
	b.VMULPD(m1, kk, c0)
	b.VFNMADD231PD(a, p, c0) // c0 - p·a, fused
	return [3]reg.VecVirtual{p, c0, kk}
}

// gradCombine emits k·d - (p·x + c0) on x and d widened to float64 (c
// from gradConsts), two fused multiply-adds, and returns it (in x's
// register).
func gradCombine(x, d reg.VecVirtual, c [3]reg.VecVirtual) reg.VecVirtual {
	b.VFMADD213PD(c[1], c[0], x) // p·x + c0
	b.VFMSUB231PD(c[2], d, x)    // k·d - (p·x + c0)
	return x
}
