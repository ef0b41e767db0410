//go:build !purego

#include "textflag.h"

// Hand-written: Go's assembler does not know the AVX512_BF16 instructions,
// so each VDPBF16PS below is spelled out as its EVEX bytes, with the
// instruction in Intel operand order in the comment beside it.
//
// VDPBF16PS zmm1, zmm2, zmm3 is EVEX.512.F3.0F38.W0 52 /r (Intel SDM vol. 2):
//
//	62 P0 P1 P2 52 ModRM
//	P0 = R̄ X̄ B̄ R̄' 0 0 1 0       (map 0F38; R, R' extend zmm1; B, X extend zmm3)
//	P1 = W=0 v̄v̄v̄v̄ 1 p=10         (vvvv = zmm2, inverted; pp 10 = F3)
//	P2 = z=0 L'L=10 b=0 V̄' a=000  (512 bits, no broadcast, no mask)
//	ModRM = 11 reg(zmm1) rm(zmm3)
//
// For each of the 16 fp32 lanes i: zmm1[i] += zmm2.bf16[2i+1]*zmm3.bf16[2i+1],
// then zmm1[i] += zmm2.bf16[2i]*zmm3.bf16[2i] (denormal inputs read as zero,
// results flushed to zero, round to nearest even, MXCSR not used). The bytes
// were checked against GNU objdump's disassembly of a test binary.

// func bf16DotPeakAVX512(iters int) float32
// Requires: AVX512F, AVX512_BF16.
// 16 independent chains Z2..Z17 += Z0·Z1, Z0 and Z1 holding bf16 pairs
// (1, 1), for iters iterations (iters >= 0); returns lane 0 of Z2, 2*iters,
// so that a test can check that the bytes are the instruction intended.
TEXT ·bf16DotPeakAVX512(SB), NOSPLIT, $0-12
	MOVQ         iters+0(FP), AX
	MOVL         $0x3f803f80, CX // two bf16 1.0 in one dword
	VPBROADCASTD CX, Z0
	VPBROADCASTD CX, Z1
	VPXORD       Z2, Z2, Z2
	VPXORD       Z3, Z3, Z3
	VPXORD       Z4, Z4, Z4
	VPXORD       Z5, Z5, Z5
	VPXORD       Z6, Z6, Z6
	VPXORD       Z7, Z7, Z7
	VPXORD       Z8, Z8, Z8
	VPXORD       Z9, Z9, Z9
	VPXORD       Z10, Z10, Z10
	VPXORD       Z11, Z11, Z11
	VPXORD       Z12, Z12, Z12
	VPXORD       Z13, Z13, Z13
	VPXORD       Z14, Z14, Z14
	VPXORD       Z15, Z15, Z15
	VPXORD       Z16, Z16, Z16
	VPXORD       Z17, Z17, Z17
	TESTQ        AX, AX
	JLE          done

loop:
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xd1 // VDPBF16PS zmm2, zmm0, zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xd9 // VDPBF16PS zmm3, zmm0, zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xe1 // VDPBF16PS zmm4, zmm0, zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xe9 // VDPBF16PS zmm5, zmm0, zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xf1 // VDPBF16PS zmm6, zmm0, zmm1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xf9 // VDPBF16PS zmm7, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xc1 // VDPBF16PS zmm8, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xc9 // VDPBF16PS zmm9, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xd1 // VDPBF16PS zmm10, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xd9 // VDPBF16PS zmm11, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xe1 // VDPBF16PS zmm12, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xe9 // VDPBF16PS zmm13, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xf1 // VDPBF16PS zmm14, zmm0, zmm1
	BYTE $0x62; BYTE $0x72; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xf9 // VDPBF16PS zmm15, zmm0, zmm1
	BYTE $0x62; BYTE $0xe2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xc1 // VDPBF16PS zmm16, zmm0, zmm1
	BYTE $0x62; BYTE $0xe2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xc9 // VDPBF16PS zmm17, zmm0, zmm1
	DECQ AX
	JNZ  loop

done:
	VMOVSS     X2, ret+8(FP)
	VZEROUPPER
	RET
