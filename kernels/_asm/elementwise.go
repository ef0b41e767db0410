package main

import (
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The elementwise kernels of package kernels (elementwise_amd64.s), each in
// an AVX-512 and an AVX2 version:
//
//   - AVX-512 kernels take the whole length and finish with one masked
//     vector (opmask from BZHI), so they never touch memory past it;
//   - AVX2 kernels only process whole vectors of 8 (whole blocks of 4
//     columns for the row sums) and leave the rest to the Go wrapper.
//
// Every kernel computes exactly what its pure-Go twin in package kernels
// computes, bit for bit: no FMA, the same operation order, and Go's own
// instruction sequences where Go's semantics are unusual (max).

// isa is what the generators need to know about a vector instruction set.
type isa struct {
	suffix string // of the kernel names: "AVX512" or "AVX2"
	pretty string // "AVX-512" or "AVX2"
	lanes  int    // float32 lanes per vector
	masked bool   // tails run as one masked vector (AVX-512)
	vec    func() reg.VecVirtual
	and    func(a, x, dst op.Op) // bitwise ops on whole vectors
	or     func(a, x, dst op.Op)
	xor    func(a, x, dst op.Op)
}

var (
	avx512 = isa{suffix: "AVX512", pretty: "AVX-512", lanes: 16, masked: true, vec: b.ZMM,
		and: func(a, x, d op.Op) { b.VPANDD(a, x, d) },
		or:  func(a, x, d op.Op) { b.VPORD(a, x, d) },
		xor: func(a, x, d op.Op) { b.VPXORD(a, x, d) }}
	avx2 = isa{suffix: "AVX2", pretty: "AVX2", lanes: 8, vec: b.YMM,
		and: func(a, x, d op.Op) { b.VPAND(a, x, d) },
		or:  func(a, x, d op.Op) { b.VPOR(a, x, d) },
		xor: func(a, x, d op.Op) { b.VPXOR(a, x, d) }}
)

// vecCtx emits the loads and stores of one vector step: whole vectors, or
// under the opmask k in the masked tail (masked-off lanes are neither read
// nor written).
type vecCtx struct {
	isa
	k reg.OpmaskVirtual // nil outside the tail
}

func (c vecCtx) load(m op.Mem) reg.VecVirtual {
	v := c.vec()
	if c.k != nil {
		b.VMOVUPS_Z(m, c.k, v)
	} else {
		b.VMOVUPS(m, v)
	}
	return v
}

// loadInto loads the vector at m into v (under c's mask in the tail).
func (c vecCtx) loadInto(v reg.VecVirtual, m op.Mem) {
	if c.k != nil {
		b.VMOVUPS_Z(m, c.k, v)
	} else {
		b.VMOVUPS(m, v)
	}
}

func (c vecCtx) store(v reg.VecVirtual, m op.Mem) {
	if c.k != nil {
		b.VMOVUPS(v, c.k, m)
	} else {
		b.VMOVUPS(v, m)
	}
}

// broadcast returns a vector with every lane set to the 32-bit pattern u.
// No legacy-SSE instruction (MOVD): after AVX-512 code one cost ~300 ns
// a call on this host (the upper state of zmm16-31 stays dirty past
// VZEROUPPER). AVX-512 broadcasts from the general register (EVEX); AVX2
// moves it with VEX-encoded VMOVD first.
func (c isa) broadcast(u uint32) reg.VecVirtual {
	g, v := b.GP32(), c.vec()
	b.MOVL(op.U32(u), g)
	if c.masked {
		b.VPBROADCASTD(g, v)
		return v
	}
	x := b.XMM()
	b.VMOVD(g, x)
	b.VPBROADCASTD(x, v)
	return v
}

// zero returns an all-zero vector.
func (c isa) zero() reg.VecVirtual {
	v := c.vec()
	c.xor(v, v, v)
	return v
}

// tailMask returns an opmask with the low n bits set (0 <= n < 16).
func tailMask(n reg.GPVirtual) reg.OpmaskVirtual {
	ones, k := b.GP32(), b.K()
	b.MOVL(op.U32(0xffff), ones)
	b.BZHIL(n.As32(), ones, ones)
	b.KMOVW(ones, k)
	return k
}

func genElementwise() {
	for _, s := range []isa{avx512, avx2} {
		genRelu(s)
		genReluGrad(s)
		genAddTo(s)
		genAdam(s)
		genSumRows64(s)
		genMaxPool2x2(s, false)
		genMaxPool2x2(s, true)
		genMaxPool2x2Grad(s)
	}
	genRelu6()
	genRelu6Grad()
	genAdd2(false)
	genAdd2(true)
	genCopyRuns()
	genAddRuns()
	genReluMask()
	genApplyReluMask()
}

// coverage documents how much of n a streaming kernel processes.
func coverage(s isa) string {
	if s.masked {
		return "It processes all n elements."
	}
	return fmt.Sprintf("It processes the first n&^%d elements only.", s.lanes-1)
}

// header starts a kernel named name+s.suffix and documents it.
func header(s isa, name, sig string, doc ...string) string {
	name += s.suffix
	b.TEXT(name, b.NOSPLIT, sig)
	b.Pragma("noescape")
	doc[0] = fmt.Sprintf("%s (%s) %s", name, s.pretty, doc[0])
	b.Doc(doc...)
	return name
}

// stream emits a loop over n float32 elements of the arrays whose pointer
// parameters are named in ptrs: unroll vectors per iteration, then single
// vectors, then (AVX-512) one masked vector. step emits the work on the
// vector at byte offset disp from each pointer; setup, run once before
// the loop, sets up its constants.
func stream(s isa, name string, ptrs []string, unroll int, setup func(), step func(c vecCtx, p []reg.GPVirtual, disp int)) {
	streamLoop(s, name, ptrs, unroll, false, setup, step)
}

// streamPrefetched is stream whose unrolled loop prefetches every array
// prefetchDist bytes ahead (prefetchRow): for the passes of a training
// step over whole activations or gradients, which mostly come from
// memory.
func streamPrefetched(s isa, name string, ptrs []string, unroll int, setup func(), step func(c vecCtx, p []reg.GPVirtual, disp int)) {
	streamLoop(s, name, ptrs, unroll, true, setup, step)
}

func streamLoop(s isa, name string, ptrs []string, unroll int, pf bool, setup func(), step func(c vecCtx, p []reg.GPVirtual, disp int)) {
	p := make([]reg.GPVirtual, len(ptrs))
	for i, n := range ptrs {
		p[i] = load64(n)
	}
	n := load64("n")
	setup()
	c := vecCtx{isa: s}
	advance := func(elems int) {
		for _, r := range p {
			b.ADDQ(op.U32(elems*4), r)
		}
		b.SUBQ(op.U32(elems), n)
	}
	b.Label(name + "_unrolled")
	b.CMPQ(n, op.U32(unroll*s.lanes))
	b.JL(op.LabelRef(name + "_single"))
	if pf {
		prefetchRow(p, unroll*s.lanes*4)
	}
	for u := 0; u < unroll; u++ {
		step(c, p, u*s.lanes*4)
	}
	advance(unroll * s.lanes)
	b.JMP(op.LabelRef(name + "_unrolled"))

	b.Label(name + "_single")
	b.CMPQ(n, op.U32(s.lanes))
	b.JL(op.LabelRef(name + "_tail"))
	step(c, p, 0)
	advance(s.lanes)
	b.JMP(op.LabelRef(name + "_single"))

	b.Label(name + "_tail")
	if s.masked {
		b.TESTQ(n, n)
		b.JZ(op.LabelRef(name + "_done"))
		c.k = tailMask(n)
		step(c, p, 0)
	}
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// genRelu: y = max(z, 0) as Go computes it on amd64 (see reluGo): VMAXPS
// with z second returns z where z is NaN or ±0 and 0 where z < 0; clearing
// the sign bit then turns -0 into +0 and gives NaN a positive sign.
func genRelu(s isa) {
	name := header(s, "relu", "func(y, z *float32, n int)",
		"computes y[i] = max(z[i], 0) for i < n, bit for bit as reluGo.", coverage(s))
	var zero, abs reg.VecVirtual
	setup := func() { zero, abs = s.zero(), s.broadcast(0x7fffffff) }
	streamPrefetched(s, name, []string{"y", "z"}, 4, setup, func(c vecCtx, p []reg.GPVirtual, disp int) {
		v := c.load(op.Mem{Base: p[1], Disp: disp})
		b.VMAXPS(v, zero, v) // zero > v ? zero : v
		s.and(abs, v, v)
		c.store(v, op.Mem{Base: p[0], Disp: disp})
	})
}

// genReluGrad: dy &= -int32(bits(y)) >> 31, as reluGradGo.
func genReluGrad(s isa) {
	name := header(s, "reluGrad", "func(dy, y *float32, n int)",
		"zeroes dy[i] where -int32(bits(y[i]))>>31 is zero, as reluGradGo.", coverage(s))
	var zero reg.VecVirtual
	streamPrefetched(s, name, []string{"dy", "y"}, 4, func() { zero = s.zero() }, func(c vecCtx, p []reg.GPVirtual, disp int) {
		keep := c.load(op.Mem{Base: p[1], Disp: disp})
		b.VPSUBD(keep, zero, keep) // 0 - y
		b.VPSRAD(op.U8(31), keep, keep)
		d := c.load(op.Mem{Base: p[0], Disp: disp})
		s.and(keep, d, d)
		c.store(d, op.Mem{Base: p[0], Disp: disp})
	})
}

// genAddTo: dst += src.
func genAddTo(s isa) {
	name := header(s, "addTo", "func(dst, src *float32, n int)",
		"adds src[i] to dst[i] for i < n.", coverage(s))
	streamPrefetched(s, name, []string{"dst", "src"}, 4, func() {}, func(c vecCtx, p []reg.GPVirtual, disp int) {
		d := c.load(op.Mem{Base: p[0], Disp: disp})
		v := c.load(op.Mem{Base: p[1], Disp: disp})
		b.VADDPS(v, d, d) // d + v
		c.store(d, op.Mem{Base: p[0], Disp: disp})
	})
}

// genAdam: Keras' Adam update, operation for operation as adamGo (no FMA).
func genAdam(s isa) {
	name := header(s, "adam", "func(w, grad, m, v *float32, n int, alpha, c1, c2, eps float32)",
		"updates, for i < n, m += (grad-m)*c1; v += (grad*grad-v)*c2; w -= alpha*m/(sqrt(v)+eps) as adamGo.", coverage(s))
	var alpha, c1, c2, eps reg.VecVirtual
	setup := func() {
		alpha, c1, c2, eps = s.vec(), s.vec(), s.vec(), s.vec()
		b.VBROADCASTSS(mustAddr(b.Param("alpha")), alpha)
		b.VBROADCASTSS(mustAddr(b.Param("c1")), c1)
		b.VBROADCASTSS(mustAddr(b.Param("c2")), c2)
		b.VBROADCASTSS(mustAddr(b.Param("eps")), eps)
	}
	stream(s, name, []string{"w", "grad", "m", "v"}, 2, setup, func(c vecCtx, p []reg.GPVirtual, disp int) {
		mem := func(i int) op.Mem { return op.Mem{Base: p[i], Disp: disp} }
		g, m, v := c.load(mem(1)), c.load(mem(2)), c.load(mem(3))
		t := s.vec()
		b.VSUBPS(m, g, t) // g - m
		b.VMULPS(c1, t, t)
		b.VADDPS(t, m, m) // m + t
		c.store(m, mem(2))
		b.VMULPS(g, g, t)
		b.VSUBPS(v, t, t) // g*g - v
		b.VMULPS(c2, t, t)
		b.VADDPS(t, v, v) // v + t
		c.store(v, mem(3))
		b.VSQRTPS(v, t)
		b.VADDPS(eps, t, t) // sqrt(v) + eps
		q := s.vec()
		b.VMULPS(m, alpha, q) // alpha * m
		b.VDIVPS(t, q, q)     // q / t
		w := c.load(mem(0))
		b.VSUBPS(q, w, w) // w - q
		c.store(w, mem(0))
	})
}

// genSumRows64 adds the rows of a rows×ld float32 matrix into float64
// accumulators, column by column in row order (as sumRows64Go, so the
// sums are bit for bit the same): blocks of 8, 4, 2 and 1 vectors of
// columns with the accumulators in registers, then (AVX-512) a masked
// block for the last cols%8 columns.
func genSumRows64(s isa) {
	name := s.suffix
	dl := s.lanes / 2 // float64 lanes
	b.TEXT("sumRows64"+name, b.NOSPLIT, "func(acc *float64, src *float32, rows, cols, ld int)")
	b.Pragma("noescape")
	tail := "all cols columns"
	if !s.masked {
		tail = fmt.Sprintf("the first cols&^%d columns only", dl-1)
	}
	b.Doc(fmt.Sprintf("sumRows64%s (%s) adds src[r*ld+j] to acc[j] for r < rows, in row order, for %s.", name, s.pretty, tail))
	name = "sumRows64" + name
	accp := load64("acc")
	srcp := load64("src")
	rows := load64("rows")
	cols := load64("cols")
	ld := load64("ld")
	b.SHLQ(op.U8(2), ld)
	b.TESTQ(rows, rows)
	b.JZ(op.LabelRef(name + "_done"))
	r, p := b.GP64(), b.GP64()
	block := func(vecs int, k reg.OpmaskVirtual) {
		acc := make([]reg.VecVirtual, vecs)
		for v := range acc {
			acc[v] = s.vec()
			m := op.Mem{Base: accp, Disp: v * dl * 8}
			if k != nil {
				b.VMOVUPD_Z(m, k, acc[v])
			} else {
				b.VMOVUPD(m, acc[v])
			}
		}
		b.MOVQ(rows, r)
		b.MOVQ(srcp, p)
		loop := fmt.Sprintf("%s_rows%d", name, vecs)
		if k != nil {
			loop += "m"
		}
		b.Label(loop)
		for v := range acc {
			t := s.vec()
			m := op.Mem{Base: p, Disp: v * dl * 4}
			if k != nil {
				b.VCVTPS2PD_Z(m, k, t)
			} else {
				b.VCVTPS2PD(m, t)
			}
			b.VADDPD(t, acc[v], acc[v]) // acc + t
		}
		b.ADDQ(ld, p)
		b.DECQ(r)
		b.JNZ(op.LabelRef(loop))
		for v := range acc {
			m := op.Mem{Base: accp, Disp: v * dl * 8}
			if k != nil {
				b.VMOVUPD(acc[v], k, m)
			} else {
				b.VMOVUPD(acc[v], m)
			}
		}
	}
	for _, vecs := range []int{8, 4, 2, 1} {
		w := vecs * dl
		next := fmt.Sprintf("%s_after%d", name, vecs)
		b.Label(fmt.Sprintf("%s_block%d", name, vecs))
		b.CMPQ(cols, op.U32(w))
		b.JL(op.LabelRef(next))
		block(vecs, nil)
		b.ADDQ(op.U32(w*8), accp)
		b.ADDQ(op.U32(w*4), srcp)
		b.SUBQ(op.U32(w), cols)
		b.JMP(op.LabelRef(fmt.Sprintf("%s_block%d", name, vecs)))
		b.Label(next)
	}
	if s.masked {
		b.TESTQ(cols, cols)
		b.JZ(op.LabelRef(name + "_done"))
		block(1, tailMask(cols))
	}
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}

// load64 loads the 64-bit parameter name into a new register.
func load64(name string) reg.GPVirtual {
	r := b.GP64()
	b.Load(b.Param(name), r)
	return r
}
