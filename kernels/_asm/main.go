// Command _asm generates the amd64 assembly of package kernels with avo:
// the SGEMM micro-kernels (AVX-512 and AVX2+FMA; AVX-512 ones reading A
// in segments too, for convolutions read in place) and the FMA peak loops
// used by the benchmarks; with -elementwise, the elementwise kernels
// instead (ReLU, add, Adam, row sums, 2x2 max-pool, also of relu's
// output, im2col's strided runs, relu's mask as bits; elementwise.go, pool.go, runs.go and
// relumask.go); with -depthwise, the depthwise-convolution kernels
// (depthwise.go); with -batchnorm, the batch-normalization kernels
// (batchnorm.go); with -winograd, the Winograd F(2×2,3×3) data transforms
// (winograd.go); with -scalebits, a Dropout's mask applied (scalebits.go);
// with -convdx, a convolution's input gradient read in place (convdx.go);
// with -convtap, stride-1 three-tap convolutions broadcasting each input
// value once for its taps (convtap.go); with -winograd16, Winograd
// F(2×2,3×3) for 16 channels and filters (winograd16.go).
//
// Run it through go generate in package kernels:
//
//	go run -C _asm . -out ../sgemm_amd64.s -stubs ../sgemm_stub_amd64.go -pkg kernels
//	go run -C _asm . -elementwise -out ../elementwise_amd64.s -stubs ../elementwise_stub_amd64.go -pkg kernels
//	go run -C _asm . -depthwise -out ../depthwise_amd64.s -stubs ../depthwise_stub_amd64.go -pkg kernels
//	go run -C _asm . -batchnorm -out ../batchnorm_amd64.s -stubs ../batchnorm_stub_amd64.go -pkg kernels
//	go run -C _asm . -winograd -out ../winograd_amd64.s -stubs ../winograd_stub_amd64.go -pkg kernels
//	go run -C _asm . -scalebits -out ../scalebits_amd64.s -stubs ../scalebits_stub_amd64.go -pkg kernels
//	go run -C _asm . -convdx -out ../convdx_amd64.s -stubs ../convdx_stub_amd64.go -pkg kernels
//	go run -C _asm . -convtap -out ../convtap_amd64.s -stubs ../convtap_stub_amd64.go -pkg kernels
//	go run -C _asm . -winograd16 -out ../winograd16_amd64.s -stubs ../winograd16_stub_amd64.go -pkg kernels
package main

import (
	"flag"
	"fmt"

	b "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// microKernel describes one register-blocked micro-kernel: it keeps an
// mr×(vecs*lanes) tile of C in mr*vecs vector accumulators.
type microKernel struct {
	name   string
	mr     int                   // rows of the C tile
	vecs   int                   // vectors per row
	lanes  int                   // float32 lanes per vector
	vec    func() reg.VecVirtual // allocates a vector register
	zero   func(r reg.VecVirtual)
	unroll int // k steps per iteration of the main loop
	// seg: A's columns come in segments of segLen (a parameter), A
	// jumping segJump elements between one segment's end and the next
	// one's start (a convolution's kernel rows read in place from its
	// input, kernels.ConvRowsDirect); kc is a multiple of segLen.
	seg bool
}

// elementwise selects the elementwise kernels (elementwise_amd64.s)
// instead of SGEMM's.
var elementwise = flag.Bool("elementwise", false, "generate the elementwise kernels instead of SGEMM's")

// batchnorm selects the batch-normalization kernels (batchnorm_amd64.s).
var batchnorm = flag.Bool("batchnorm", false, "generate the batch-normalization kernels instead of SGEMM's")

// depthwise selects the depthwise-convolution kernels (depthwise_amd64.s).
var depthwise = flag.Bool("depthwise", false, "generate the depthwise-convolution kernels instead of SGEMM's")

// winograd selects the Winograd transforms (winograd_amd64.s).
var winograd = flag.Bool("winograd", false, "generate the Winograd transforms instead of SGEMM's")

// scalebits selects a Dropout's mask kernel (scalebits_amd64.s).
var scalebits = flag.Bool("scalebits", false, "generate the mask-scaling kernel instead of SGEMM's")

// pcgbits selects a Dropout's keep bits from eight PCG streams
// (pcgbits_amd64.s).
var pcgbits = flag.Bool("pcgbits", false, "generate the PCG keep-bits kernel instead of SGEMM's")

// relumasksum selects relu's mask applied with the bias gradient's sums
// (relumasksum_amd64.s).
var relumasksum = flag.Bool("relumasksum", false, "generate the relu-mask-and-column-sums kernels instead of SGEMM's")

// convdx selects a convolution's input-gradient kernels (convdx_amd64.s).
var convdx = flag.Bool("convdx", false, "generate the convolution input-gradient kernels instead of SGEMM's")

// winograd16 selects the 16-channel Winograd passes (winograd16_amd64.s).
var winograd16 = flag.Bool("winograd16", false, "generate the 16-channel Winograd F(2x2,3x3) passes instead of SGEMM's")

// convtap selects the three-tap stride-1 convolution kernels (convtap_amd64.s).
var convtap = flag.Bool("convtap", false, "generate the three-tap convolution kernels instead of SGEMM's")

func main() {
	flag.Parse()
	b.ConstraintExpr("!purego")
	if *pcgbits {
		genPCGBits()
		b.Generate()
		return
	}
	if *relumasksum {
		genReluMaskSum()
		b.Generate()
		return
	}
	if *convtap {
		genConvTap()
		genConvTapGrad(false)
		genConvTapGrad(true)
		b.Generate()
		return
	}
	if *winograd16 {
		genWinograd16()
		genWinograd16Grad()
		b.Generate()
		return
	}
	if *convdx {
		genConvDx()
		b.Generate()
		return
	}
	if *winograd {
		genWinograd()
		b.Generate()
		return
	}
	if *scalebits {
		genScaleBits()
		b.Generate()
		return
	}
	if *elementwise {
		genElementwise()
		b.Generate()
		return
	}
	if *batchnorm {
		genBatchNorm()
		b.Generate()
		return
	}
	if *depthwise {
		genDepthwise()
		b.Generate()
		return
	}

	// One kernel per row count: the full tile (12 rows for AVX-512, 6
	// for AVX2) and every shorter one, for the bottom edge of C, so that
	// no row panel of A ever needs packing.
	for mr := 12; mr >= 1; mr-- {
		genMicroKernel(microKernel{
			name: fmt.Sprintf("sgemmKernel%dx32AVX512", mr), mr: mr, vecs: 2, lanes: 16,
			vec:    b.ZMM,
			zero:   func(r reg.VecVirtual) { b.VPXORD(r, r, r) },
			unroll: 4,
		})
	}
	// A one-vector-wide AVX-512 kernel for products with at most 16
	// columns (convolutions of 16 filters), which the 32-wide one would
	// compute half in vain.
	for mr := 12; mr >= 1; mr-- {
		genMicroKernel(microKernel{
			name: fmt.Sprintf("sgemmKernel%dx16AVX512", mr), mr: mr, vecs: 1, lanes: 16,
			vec:    b.ZMM,
			zero:   func(r reg.VecVirtual) { b.VPXORD(r, r, r) },
			unroll: 4,
		})
	}
	for mr := 6; mr >= 1; mr-- {
		genMicroKernel(microKernel{
			name: fmt.Sprintf("sgemmKernel%dx16AVX2", mr), mr: mr, vecs: 2, lanes: 8,
			vec:    b.YMM,
			zero:   func(r reg.VecVirtual) { b.VXORPS(r, r, r) },
			unroll: 4,
		})
	}
	// The same kernels reading A in segments (convolutions in place).
	for _, vecs := range []int{1, 2} {
		for mr := 12; mr >= 1; mr-- {
			genMicroKernel(microKernel{
				name: fmt.Sprintf("sgemmKernel%dx%dSegAVX512", mr, 16*vecs), mr: mr, vecs: vecs, lanes: 16,
				vec:    b.ZMM,
				zero:   func(r reg.VecVirtual) { b.VPXORD(r, r, r) },
				unroll: 4,
				seg:    true,
			})
		}
	}
	genFMAPeak("fmaPeakAVX512", 16, b.ZMM, func(r reg.VecVirtual) { b.VPXORD(r, r, r) })
	// AVX2 has 16 vector registers: two operands and 14 chains.
	genFMAPeak("fmaPeakAVX2", 14, b.YMM, func(r reg.VecVirtual) { b.VXORPS(r, r, r) })
	b.Generate()
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
	if mk.seg {
		b.TEXT(mk.name, b.NOSPLIT, "func(kc int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, segLen, segJump int, cin *float32, ldcin int)")
		b.Pragma("noescape")
		b.Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha*A*B + beta*Cin over kc >= 1 steps of k.", mk.name, mk.mr, nr),
			"A element (i, p) is at a[i*rsA + p*csA + (p/segLen)*segJump], B element (p, j) at b[p*ldb + j],",
			"Cin element (i, j) at cin[i*ldcin + j]; kc is a multiple of segLen. With beta == 0, Cin is not read.")
	} else {
		b.TEXT(mk.name, b.NOSPLIT, "func(kc int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)")
		b.Pragma("noescape")
		b.Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha*A*B + beta*C over kc >= 1 steps of k.", mk.name, mk.mr, nr),
			"A element (i, p) is at a[i*rsA + p*csA], B element (p, j) at b[p*ldb + j].",
			"With beta == 0, C is not read.")
	}

	kc := b.Load(b.Param("kc"), b.GP64())
	rs := b.Load(b.Param("rsA"), b.GP64())
	b.SHLQ(op.U8(2), rs)
	cs := b.Load(b.Param("csA"), b.GP64())
	b.SHLQ(op.U8(2), cs)
	bp := b.Load(b.Param("b"), b.GP64())
	ldb := b.Load(b.Param("ldb"), b.GP64())
	b.SHLQ(op.U8(2), ldb)
	rs3 := b.GP64()
	b.LEAQ(op.Mem{Base: rs, Index: rs, Scale: 2}, rs3)

	// Row r of A is at bases[r/4] + {0, rs, 2rs, 3rs}[r%4].
	bases := make([]reg.Register, (mk.mr+3)/4)
	bases[0] = b.Load(b.Param("a"), b.GP64())
	for g := 1; g < len(bases); g++ {
		bases[g] = b.GP64()
		b.LEAQ(op.Mem{Base: bases[g-1], Index: rs, Scale: 4}, bases[g])
	}
	rowAddr := rowAddrs(bases, rs, rs3)

	b.Comment("Prefetch the C tile.")
	cp := b.Load(b.Param("c"), b.GP64())
	ldc := b.Load(b.Param("ldc"), b.GP64())
	b.SHLQ(op.U8(2), ldc)
	pf := b.GP64()
	b.MOVQ(cp, pf)
	for r := 0; r < mk.mr; r++ {
		b.PREFETCHT0(op.Mem{Base: pf})
		b.PREFETCHT0(op.Mem{Base: pf, Disp: nr*4 - 4})
		if r < mk.mr-1 {
			b.ADDQ(ldc, pf)
		}
	}

	acc := make([][]reg.VecVirtual, mk.mr)
	for r := range acc {
		acc[r] = make([]reg.VecVirtual, mk.vecs)
		for v := range acc[r] {
			acc[r][v] = mk.vec()
			mk.zero(acc[r][v])
		}
	}

	step := func() {
		bv := make([]reg.VecVirtual, mk.vecs)
		for v := range bv {
			bv[v] = mk.vec()
			b.VMOVUPS(op.Mem{Base: bp, Disp: v * mk.lanes * 4}, bv[v])
		}
		for r := 0; r < mk.mr; r++ {
			t := mk.vec()
			b.VBROADCASTSS(rowAddr(r), t)
			for v := 0; v < mk.vecs; v++ {
				b.VFMADD231PS(bv[v], t, acc[r][v])
			}
		}
		for _, base := range bases {
			b.ADDQ(cs, base)
		}
		b.ADDQ(ldb, bp)
	}

	if mk.seg {
		segLen := b.Load(b.Param("segLen"), b.GP64())
		jump := b.Load(b.Param("segJump"), b.GP64())
		b.SHLQ(op.U8(2), jump)
		n := b.GP64()
		b.Comment("One segment of segLen steps at a time.")
		b.Label(mk.name + "_seg")
		b.MOVQ(segLen, n)
		emitSteps(mk, n, step, "_segend")
		b.Label(mk.name + "_segend")
		for _, base := range bases {
			b.ADDQ(jump, base)
		}
		b.SUBQ(segLen, kc)
		b.JNZ(op.LabelRef(mk.name + "_seg"))
	} else {
		emitSteps(mk, kc, step, "_store")
	}

	b.Label(mk.name + "_store")
	va := mk.vec()
	b.VBROADCASTSS(mustAddr(b.Param("alpha")), va)
	for r := range acc {
		for v := range acc[r] {
			b.VMULPS(va, acc[r][v], acc[r][v])
		}
	}
	b.Comment("beta == ±0 (bits other than the sign all zero): C is write-only.")
	bbits := b.GP32()
	b.MOVL(mustAddr(b.Param("beta")), bbits)
	b.ANDL(op.U32(0x7fffffff), bbits)
	b.JNZ(op.LabelRef(mk.name + "_beta"))
	for r := range acc {
		for v := range acc[r] {
			b.VMOVUPS(acc[r][v], op.Mem{Base: cp, Disp: v * mk.lanes * 4})
		}
		if r < mk.mr-1 {
			b.ADDQ(ldc, cp)
		}
	}
	b.VZEROUPPER()
	b.RET()

	b.Label(mk.name + "_beta")
	vb := mk.vec()
	b.VBROADCASTSS(mustAddr(b.Param("beta")), vb)
	if mk.seg { // C's starting values from cin (ldcin apart), C written
		cin := b.Load(b.Param("cin"), b.GP64())
		ldcin := b.Load(b.Param("ldcin"), b.GP64())
		b.SHLQ(op.U8(2), ldcin)
		for r := range acc {
			for v := range acc[r] {
				b.VFMADD231PS(op.Mem{Base: cin, Disp: v * mk.lanes * 4}, vb, acc[r][v])
				b.VMOVUPS(acc[r][v], op.Mem{Base: cp, Disp: v * mk.lanes * 4})
			}
			if r < mk.mr-1 {
				b.ADDQ(ldc, cp)
				b.ADDQ(ldcin, cin)
			}
		}
		b.VZEROUPPER()
		b.RET()
		return
	}
	for r := range acc {
		for v := range acc[r] {
			m := op.Mem{Base: cp, Disp: v * mk.lanes * 4}
			b.VFMADD231PS(m, vb, acc[r][v])
			b.VMOVUPS(acc[r][v], m)
		}
		if r < mk.mr-1 {
			b.ADDQ(ldc, cp)
		}
	}
	b.VZEROUPPER()
	b.RET()
}

// emitSteps emits n (a register, counted down to zero) steps of k,
// unrolled, then jumps to the label mk.name+done.
func emitSteps(mk microKernel, n reg.Register, step func(), done string) {
	b.Comment(fmt.Sprintf("Main loop: %d steps of k per iteration.", mk.unroll))
	b.CMPQ(n, op.U8(mk.unroll))
	b.JL(op.LabelRef(mk.name + done + "_tail"))
	b.Label(mk.name + done + "_loop")
	for u := 0; u < mk.unroll; u++ {
		step()
	}
	b.SUBQ(op.U8(mk.unroll), n)
	b.CMPQ(n, op.U8(mk.unroll))
	b.JGE(op.LabelRef(mk.name + done + "_loop"))

	b.Label(mk.name + done + "_tail")
	b.TESTQ(n, n)
	b.JZ(op.LabelRef(mk.name + done))
	b.Label(mk.name + done + "_tailloop")
	step()
	b.DECQ(n)
	b.JNZ(op.LabelRef(mk.name + done + "_tailloop"))
}

// genFMAPeak emits a loop of iters iterations, each issuing chains
// independent VFMADD231PS on full-width vectors: the machine's fp32 FMA
// peak.
func genFMAPeak(name string, chains int, vec func() reg.VecVirtual, zero func(reg.VecVirtual)) {
	b.TEXT(name, b.NOSPLIT, "func(iters int)")
	b.Doc(fmt.Sprintf("%s runs iters iterations of %d independent vector FMA chains.", name, chains))
	n := b.Load(b.Param("iters"), b.GP64())
	x, y := vec(), vec()
	zero(x)
	zero(y)
	acc := make([]reg.VecVirtual, chains)
	for i := range acc {
		acc[i] = vec()
		zero(acc[i])
	}
	b.TESTQ(n, n)
	b.JLE(op.LabelRef(name + "_done"))
	b.Label(name + "_loop")
	for i := range acc {
		b.VFMADD231PS(x, y, acc[i])
	}
	b.DECQ(n)
	b.JNZ(op.LabelRef(name + "_loop"))
	b.Label(name + "_done")
	// Keep the accumulators live to the end of the loop.
	for i := 1; i < len(acc); i++ {
		b.VADDPS(acc[i], acc[0], acc[0])
	}
	b.VZEROUPPER()
	b.RET()
}

// mustAddr is the stack address of a scalar argument.
func mustAddr(c gotypes.Component) op.Mem {
	base, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return base.Addr
}

// rowAddrs addresses row r of a matrix whose rows are rs bytes apart
// (rs3 = 3*rs) from bases, one base per four rows: bases[r/4] + {0, rs,
// 2rs, 3rs}[r%4]. The SGEMM, Winograd product and direct input-gradient
// micro-kernels read A this way.
func rowAddrs[R reg.Register](bases []R, rs, rs3 reg.Register) func(r int) op.Mem {
	return func(r int) op.Mem {
		base := bases[r/4]
		switch r % 4 {
		case 1:
			return op.Mem{Base: base, Index: rs, Scale: 1}
		case 2:
			return op.Mem{Base: base, Index: rs, Scale: 2}
		case 3:
			return op.Mem{Base: base, Index: rs3, Scale: 1}
		}
		return op.Mem{Base: base}
	}
}
