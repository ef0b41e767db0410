package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
)

// The strided-run kernels of im2col and col2im (elementwise_amd64.s,
// AVX-512 only): runs runs of n float32 values each, run i at dst +
// i*dstStride and src + i*srcStride (strides in elements). One call
// moves a kernel row of every patch of a stretch of an output row, where
// a call to memmove (or AddTo) per run cost more than the copy. Runs are
// processed in order, each whole vectors first, then one masked vector,
// so runs of dst that overlap (col2im with stride 1) add up as the Go
// loop adds them. Each vector prefetches the line prefetchDist bytes past
// its image side (im2col's src, col2im's dst; the other side is a tile
// of the columns, in the cache): a training step's activations mostly
// come from memory (see prefetchRow).

// genCopyRuns: dst run i = src run i.
func genCopyRuns() {
	name := header(avx512, "copyRuns", "func(dst, src *float32, runs, n, dstStride, srcStride int)",
		"copies runs runs of n values, run i from src + i*srcStride to dst + i*dstStride, as copyRunsGo.")
	runs(name, false)
}

// genAddRuns: dst run i += src run i.
func genAddRuns() {
	name := header(avx512, "addRuns", "func(dst, src *float32, runs, n, dstStride, srcStride int)",
		"adds runs runs of n values, run i of src + i*srcStride into dst + i*dstStride, in run order, as addRunsGo.")
	runs(name, true)
}

// runs emits the loop of copyRuns (add false) or addRuns (add true).
func runs(name string, add bool) {
	dst, src := load64("dst"), load64("src")
	nr, n := load64("runs"), load64("n")
	ds, ss := load64("dstStride"), load64("srcStride")
	b.SHLQ(op.U8(2), ds)
	b.SHLQ(op.U8(2), ss)
	full, rem := b.GP64(), b.GP64()
	b.MOVQ(n, full)
	b.SHRQ(op.U8(4), full)
	b.MOVQ(n, rem)
	b.ANDQ(op.U32(15), rem)
	k := tailMask(rem)
	d, s, c := b.GP64(), b.GP64(), b.GP64()
	pf := s // the image side: im2col's source, col2im's destination
	if add {
		pf = d
	}
	step := func(kk bool) {
		c := vecCtx{isa: avx512}
		if kk {
			c.k = k
		}
		b.PREFETCHT0(op.Mem{Base: pf, Disp: prefetchDist})
		v := c.load(op.Mem{Base: s})
		if add {
			w := c.load(op.Mem{Base: d})
			b.VADDPS(v, w, w) // w + v
			v = w
		}
		c.store(v, op.Mem{Base: d})
	}
	b.Label(name + "_run")
	b.TESTQ(nr, nr)
	b.JZ(op.LabelRef(name + "_done"))
	b.MOVQ(dst, d)
	b.MOVQ(src, s)
	b.MOVQ(full, c)
	b.Label(name + "_vec")
	b.TESTQ(c, c)
	b.JZ(op.LabelRef(name + "_tail"))
	step(false)
	b.ADDQ(op.U32(64), d)
	b.ADDQ(op.U32(64), s)
	b.DECQ(c)
	b.JMP(op.LabelRef(name + "_vec"))
	b.Label(name + "_tail")
	b.TESTQ(rem, rem)
	b.JZ(op.LabelRef(name + "_next"))
	step(true)
	b.Label(name + "_next")
	b.ADDQ(ds, dst)
	b.ADDQ(ss, src)
	b.DECQ(nr)
	b.JMP(op.LabelRef(name + "_run"))
	b.Label(name + "_done")
	b.VZEROUPPER()
	b.RET()
}
