// Command _asm generates the amd64 assembly of package kernels with avo:
// the SGEMM micro-kernels (AVX-512 and AVX2+FMA) and the FMA peak loops
// used by the benchmarks.
//
// Run it through go generate in package kernels:
//
//	go run -C _asm . -out ../sgemm_amd64.s -stubs ../sgemm_stub_amd64.go -pkg kernels
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// microKernel describes one register-blocked micro-kernel: it keeps an
// mr×(vecs*lanes) tile of C in mr*vecs vector accumulators.
type microKernel struct {
	name   string
	mr     int               // rows of the C tile
	vecs   int               // vectors per row
	lanes  int               // float32 lanes per vector
	vec    func() VecVirtual // allocates a vector register
	zero   func(r VecVirtual)
	unroll int // k steps per iteration of the main loop
}

func main() {
	ConstraintExpr("!purego")

	// One kernel per row count: the full tile (12 rows for AVX-512, 6
	// for AVX2) and every shorter one, for the bottom edge of C, so that
	// no row panel of A ever needs packing.
	for mr := 12; mr >= 1; mr-- {
		genMicroKernel(microKernel{
			name: fmt.Sprintf("sgemmKernel%dx32AVX512", mr), mr: mr, vecs: 2, lanes: 16,
			vec:    ZMM,
			zero:   func(r VecVirtual) { VPXORD(r, r, r) },
			unroll: 4,
		})
	}
	for mr := 6; mr >= 1; mr-- {
		genMicroKernel(microKernel{
			name: fmt.Sprintf("sgemmKernel%dx16AVX2", mr), mr: mr, vecs: 2, lanes: 8,
			vec:    YMM,
			zero:   func(r VecVirtual) { VXORPS(r, r, r) },
			unroll: 4,
		})
	}
	genFMAPeak("fmaPeakAVX512", ZMM, func(r VecVirtual) { VPXORD(r, r, r) })
	genFMAPeak("fmaPeakAVX2", YMM, func(r VecVirtual) { VXORPS(r, r, r) })
	Generate()
}

// genMicroKernel emits
//
//	C[i][j] = alpha * sum_p A[i*rsA + p*csA] * B[p*ldb + j] + beta * C[i*ldc + j]
//
// for 0 <= i < mr, 0 <= j < vecs*lanes and 0 <= p < kc (kc >= 1). A is read
// through two strides, so a packed panel (rsA = 1, csA = mr) and an
// unpacked row-major matrix or its transpose all work. With beta == 0, C is
// only written. Strides and ldc are in elements.
func genMicroKernel(mk microKernel) {
	nr := mk.vecs * mk.lanes
	TEXT(mk.name, NOSPLIT, "func(kc int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha*A*B + beta*C over kc >= 1 steps of k.", mk.name, mk.mr, nr),
		"A element (i, p) is at a[i*rsA + p*csA], B element (p, j) at b[p*ldb + j].",
		"With beta == 0, C is not read.")

	kc := Load(Param("kc"), GP64())
	rs := Load(Param("rsA"), GP64())
	SHLQ(U8(2), rs)
	cs := Load(Param("csA"), GP64())
	SHLQ(U8(2), cs)
	bp := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	rs3 := GP64()
	LEAQ(Mem{Base: rs, Index: rs, Scale: 2}, rs3)

	// Row r of A is at bases[r/4] + {0, rs, 2rs, 3rs}[r%4].
	bases := make([]Register, (mk.mr+3)/4)
	bases[0] = Load(Param("a"), GP64())
	for g := 1; g < len(bases); g++ {
		bases[g] = GP64()
		LEAQ(Mem{Base: bases[g-1], Index: rs, Scale: 4}, bases[g])
	}
	rowAddr := func(r int) Mem {
		base := bases[r/4]
		switch r % 4 {
		case 1:
			return Mem{Base: base, Index: rs, Scale: 1}
		case 2:
			return Mem{Base: base, Index: rs, Scale: 2}
		case 3:
			return Mem{Base: base, Index: rs3, Scale: 1}
		}
		return Mem{Base: base}
	}

	Comment("Prefetch the C tile.")
	cp := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	pf := GP64()
	MOVQ(cp, pf)
	for r := 0; r < mk.mr; r++ {
		PREFETCHT0(Mem{Base: pf})
		PREFETCHT0(Mem{Base: pf, Disp: nr*4 - 4})
		if r < mk.mr-1 {
			ADDQ(ldc, pf)
		}
	}

	acc := make([][]VecVirtual, mk.mr)
	for r := range acc {
		acc[r] = make([]VecVirtual, mk.vecs)
		for v := range acc[r] {
			acc[r][v] = mk.vec()
			mk.zero(acc[r][v])
		}
	}

	step := func() {
		bv := make([]VecVirtual, mk.vecs)
		for v := range bv {
			bv[v] = mk.vec()
			VMOVUPS(Mem{Base: bp, Disp: v * mk.lanes * 4}, bv[v])
		}
		for r := 0; r < mk.mr; r++ {
			t := mk.vec()
			VBROADCASTSS(rowAddr(r), t)
			for v := 0; v < mk.vecs; v++ {
				VFMADD231PS(bv[v], t, acc[r][v])
			}
		}
		for _, base := range bases {
			ADDQ(cs, base)
		}
		ADDQ(ldb, bp)
	}

	Comment(fmt.Sprintf("Main loop: %d steps of k per iteration.", mk.unroll))
	CMPQ(kc, U8(mk.unroll))
	JL(LabelRef(mk.name + "_tail"))
	Label(mk.name + "_loop")
	for u := 0; u < mk.unroll; u++ {
		step()
	}
	SUBQ(U8(mk.unroll), kc)
	CMPQ(kc, U8(mk.unroll))
	JGE(LabelRef(mk.name + "_loop"))

	Label(mk.name + "_tail")
	TESTQ(kc, kc)
	JZ(LabelRef(mk.name + "_store"))
	Label(mk.name + "_tailloop")
	step()
	DECQ(kc)
	JNZ(LabelRef(mk.name + "_tailloop"))

	Label(mk.name + "_store")
	va := mk.vec()
	VBROADCASTSS(mustAddr(Param("alpha")), va)
	for r := range acc {
		for v := range acc[r] {
			VMULPS(va, acc[r][v], acc[r][v])
		}
	}
	Comment("beta == ±0 (bits other than the sign all zero): C is write-only.")
	bbits := GP32()
	MOVL(mustAddr(Param("beta")), bbits)
	ANDL(U32(0x7fffffff), bbits)
	JNZ(LabelRef(mk.name + "_beta"))
	for r := range acc {
		for v := range acc[r] {
			VMOVUPS(acc[r][v], Mem{Base: cp, Disp: v * mk.lanes * 4})
		}
		if r < mk.mr-1 {
			ADDQ(ldc, cp)
		}
	}
	VZEROUPPER()
	RET()

	Label(mk.name + "_beta")
	vb := mk.vec()
	VBROADCASTSS(mustAddr(Param("beta")), vb)
	for r := range acc {
		for v := range acc[r] {
			m := Mem{Base: cp, Disp: v * mk.lanes * 4}
			VFMADD231PS(m, vb, acc[r][v])
			VMOVUPS(acc[r][v], m)
		}
		if r < mk.mr-1 {
			ADDQ(ldc, cp)
		}
	}
	VZEROUPPER()
	RET()
}

// genFMAPeak emits a loop of iters iterations, each issuing 16 independent
// VFMADD231PS on full-width vectors: the machine's fp32 FMA peak.
func genFMAPeak(name string, vec func() VecVirtual, zero func(VecVirtual)) {
	TEXT(name, NOSPLIT, "func(iters int)")
	Doc(name + " runs iters iterations of 16 independent vector FMA chains.")
	n := Load(Param("iters"), GP64())
	x, y := vec(), vec()
	zero(x)
	zero(y)
	acc := make([]VecVirtual, 16)
	for i := range acc {
		acc[i] = vec()
		zero(acc[i])
	}
	TESTQ(n, n)
	JLE(LabelRef(name + "_done"))
	Label(name + "_loop")
	for i := range acc {
		VFMADD231PS(x, y, acc[i])
	}
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	// Keep the accumulators live to the end of the loop.
	for i := 1; i < len(acc); i++ {
		VADDPS(acc[i], acc[0], acc[0])
	}
	VZEROUPPER()
	RET()
}

// mustAddr is the stack address of a scalar argument.
func mustAddr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
