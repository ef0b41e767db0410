package main

import "fmt"

// genPeak writes bf16DotPeakAVX512(iters int) float32: 16 independent
// chains Z2..Z17 += Z0·Z1, Z0 and Z1 holding bf16 pairs (1, 1), for iters
// iterations; it returns lane 0 of Z2 (2*iters), so that a test can check
// that the bytes are the instruction intended.
func genPeak() {
	line("")
	line("// func bf16DotPeakAVX512(iters int) float32")
	line("// Requires: AVX512F, AVX512_BF16")
	line("TEXT ·bf16DotPeakAVX512(SB), NOSPLIT, $0-12")
	line("\tMOVQ         iters+0(FP), AX")
	line("\tMOVL         $0x3f803f80, CX // two bf16 1.0 in one dword")
	line("\tVPBROADCASTD CX, Z0")
	line("\tVPBROADCASTD CX, Z1")
	for i := 2; i < 18; i++ {
		line("\tVPXORD       Z%d, Z%d, Z%d", i, i, i)
	}
	line("\tTESTQ        AX, AX")
	line("\tJLE          peak_done")
	line("")
	line("peak_loop:")
	for i := 2; i < 18; i++ {
		vdpbf16ps(i, 0, 1)
	}
	line("\tDECQ AX")
	line("\tJNZ  peak_loop")
	line("")
	line("peak_done:")
	line("\tVMOVSS     X2, ret+8(FP)")
	line("\tVZEROUPPER")
	line("\tRET")
}

// genRow writes bf16RowAVX512(dst *uint32, src *float32, n int): src[:n]
// rounded to bf16, element 2q in the low half of dst[q] and 2q+1 in its
// high half; n a multiple of 32.
func genRow() {
	line("")
	line("// func bf16RowAVX512(dst *uint32, src *float32, n int)")
	line("// Requires: AVX512F, AVX512_BF16")
	line("TEXT ·bf16RowAVX512(SB), NOSPLIT, $0-24")
	line("\tMOVQ dst+0(FP), DI")
	line("\tMOVQ src+8(FP), SI")
	line("\tMOVQ n+16(FP), CX")
	line("\tSHRQ $5, CX")
	line("\tJEQ  row_done")
	line("")
	line("row_loop:")
	line("\tVMOVUPS (SI), Z0")
	line("\tVMOVUPS 64(SI), Z1")
	vcvtne2ps2bf16(2, 1, 0)
	line("\tVMOVDQU32 Z2, (DI)")
	line("\tADDQ      $128, SI")
	line("\tADDQ      $64, DI")
	line("\tDECQ      CX")
	line("\tJNZ       row_loop")
	line("")
	line("row_done:")
	line("\tVZEROUPPER")
	line("\tRET")
}

// genPairs writes bf16PairsAVX512(dst *uint32, r0, r1 *float32, n int):
// dst[j] = bf16(r0[j]) | bf16(r1[j])<<16 for j < n, n a multiple of 16.
// VCVTNE2PS2BF16 puts r0's 16 values in words 0-15 and r1's in 16-31;
// VPERMW interleaves them (word 2j <- j, 2j+1 <- 16+j).
func genPairs() {
	line("")
	line("DATA bf16Interleave<>+0(SB)/8, $0x0011000100100000")
	line("DATA bf16Interleave<>+8(SB)/8, $0x0013000300120002")
	line("DATA bf16Interleave<>+16(SB)/8, $0x0015000500140004")
	line("DATA bf16Interleave<>+24(SB)/8, $0x0017000700160006")
	line("DATA bf16Interleave<>+32(SB)/8, $0x0019000900180008")
	line("DATA bf16Interleave<>+40(SB)/8, $0x001b000b001a000a")
	line("DATA bf16Interleave<>+48(SB)/8, $0x001d000d001c000c")
	line("DATA bf16Interleave<>+56(SB)/8, $0x001f000f001e000e")
	line("GLOBL bf16Interleave<>(SB), RODATA|NOPTR, $64")
	line("")
	line("// func bf16PairsAVX512(dst *uint32, r0 *float32, r1 *float32, n int)")
	line("// Requires: AVX512F, AVX512BW, AVX512_BF16")
	line("TEXT ·bf16PairsAVX512(SB), NOSPLIT, $0-32")
	line("\tMOVQ      dst+0(FP), DI")
	line("\tMOVQ      r0+8(FP), SI")
	line("\tMOVQ      r1+16(FP), DX")
	line("\tMOVQ      n+24(FP), CX")
	line("\tSHRQ      $4, CX")
	line("\tJEQ       pairs_done")
	line("\tVMOVDQU16 bf16Interleave<>(SB), Z31")
	line("")
	line("pairs_loop:")
	line("\tVMOVUPS (SI), Z0")
	line("\tVMOVUPS (DX), Z1")
	vcvtne2ps2bf16(2, 1, 0)
	line("\tVPERMW    Z2, Z31, Z3")
	line("\tVMOVDQU32 Z3, (DI)")
	line("\tADDQ      $64, SI")
	line("\tADDQ      $64, DX")
	line("\tADDQ      $64, DI")
	line("\tDECQ      CX")
	line("\tJNZ       pairs_loop")
	line("")
	line("pairs_done:")
	line("\tVZEROUPPER")
	line("\tRET")
}

// genKernel writes bf16Kernel12x<16*vecs>AVX512(kq int, a *uint32, rsA,
// csA int, b *uint32, ldb int, c *float32, ldc int, alpha, beta float32):
// a 12×(16·vecs) tile of C = alpha*A*B + beta*C over kq >= 1 bf16 pairs of
// k. A's pair (i, q) is the dword a[i*rsA + q*csA], B's pairs (q, j)
// the dwords b[q*ldb + j]; C is not read when beta is ±0. Accumulators
// Z0..Z(12·vecs-1) (row i in Z(i·vecs+v)), B in Z24/Z25, A's pair
// broadcast into Z26..Z31 in turn.
func genKernel(vecs int) {
	name := fmt.Sprintf("bf16Kernel12x%dAVX512", 16*vecs)
	l := func(s string) string { return name + "_" + s }
	line("")
	line("// func %s(kq int, a *uint32, rsA int, csA int, b *uint32, ldb int, c *float32, ldc int, alpha float32, beta float32)", name)
	line("// Requires: AVX512F, AVX512_BF16")
	line("TEXT ·%s(SB), NOSPLIT, $0-72", name)
	line("\tMOVQ kq+0(FP), CX")
	line("\tMOVQ a+8(FP), SI")
	line("\tMOVQ rsA+16(FP), R8")
	line("\tSHLQ $2, R8")
	line("\tMOVQ csA+24(FP), R13")
	line("\tSHLQ $2, R13")
	line("\tMOVQ b+32(FP), DI")
	line("\tMOVQ ldb+40(FP), R14")
	line("\tSHLQ $2, R14")
	line("\tLEAQ (R8)(R8*2), R9")
	line("\tLEAQ (SI)(R8*4), R10")
	line("\tLEAQ (R10)(R8*4), R11")
	for r := 0; r < 12*vecs; r++ {
		line("\tVPXORD Z%d, Z%d, Z%d", r, r, r)
	}
	line("")
	line(l("loop") + ":")
	for v := 0; v < vecs; v++ {
		line("\tVMOVUPS %d(DI), Z%d", 64*v, 24+v)
	}
	bases := []string{"SI", "R10", "R11"}
	offs := []string{"(%s)", "(%s)(R8*1)", "(%s)(R8*2)", "(%s)(R9*1)"}
	for i := 0; i < 12; i++ {
		t := 26 + i%6
		line("\tVPBROADCASTD "+offs[i%4]+", Z%d", bases[i/4], t)
		for v := 0; v < vecs; v++ {
			vdpbf16ps(i*vecs+v, 24+v, t)
		}
	}
	line("\tADDQ R13, SI")
	line("\tADDQ R13, R10")
	line("\tADDQ R13, R11")
	line("\tADDQ R14, DI")
	line("\tDECQ CX")
	line("\tJNZ  " + l("loop"))
	genStore(vecs, l)
}

// genStore writes the kernel's epilogue: C = alpha*acc, plus beta*C
// unless beta is ±0 (the bits of float32(alpha*s) + float32(beta*c)).
func genStore(vecs int, l func(string) string) {
	line("")
	line("\tMOVQ         c+48(FP), BX")
	line("\tMOVQ         ldc+56(FP), R12")
	line("\tSHLQ         $2, R12")
	line("\tVBROADCASTSS alpha+64(FP), Z24")
	line("\tVBROADCASTSS beta+68(FP), Z25")
	for r := 0; r < 12*vecs; r++ {
		line("\tVMULPS Z24, Z%d, Z%d", r, r)
	}
	line("\tMOVL beta+68(FP), AX")
	line("\tANDL $0x7fffffff, AX")
	line("\tJNE  " + l("beta"))
	for i := 0; i < 12; i++ {
		for v := 0; v < vecs; v++ {
			line("\tVMOVUPS Z%d, %d(BX)", i*vecs+v, 64*v)
		}
		line("\tADDQ    R12, BX")
	}
	line("\tVZEROUPPER")
	line("\tRET")
	line("")
	line(l("beta") + ":")
	for i := 0; i < 12; i++ {
		for v := 0; v < vecs; v++ {
			r := i*vecs + v
			line("\tVMULPS  %d(BX), Z25, Z26", 64*v)
			line("\tVADDPS  Z26, Z%d, Z%d", r, r)
			line("\tVMOVUPS Z%d, %d(BX)", r, 64*v)
		}
		line("\tADDQ    R12, BX")
	}
	line("\tVZEROUPPER")
	line("\tRET")
}
