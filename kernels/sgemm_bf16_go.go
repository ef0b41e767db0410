package kernels

import "math"

// The pure-Go twins of the AVX512_BF16 kernels (sgemm_bf16_amd64.s): the
// purego build and CPUs without AVX512_BF16 run them, and they give the
// assembly's bits, as long as no product of two bf16 values falls
// outside fp32's normal range (below 2^-126 or above 2^128 in magnitude:
// the assembly's fused multiply-add keeps such a product exact, the twin
// rounds it first).

// bf16Round rounds x to bf16 as VCVTNE2PS2BF16 does: to nearest even,
// denormals to zero of x's sign, NaNs kept (quieted).
func bf16Round(x float32) uint16 {
	u := math.Float32bits(x)
	switch {
	case u&0x7f800000 == 0: // zero or denormal
		return uint16(u>>16) & 0x8000
	case u&0x7fffffff > 0x7f800000: // NaN
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// bf16Pair packs x (low half) and y (high half) rounded to bf16.
func bf16Pair(x, y float32) uint32 { return uint32(bf16Round(x)) | uint32(bf16Round(y))<<16 }

// bf16RowGo is bf16RowAVX512's twin: dst[q] = pair (src[2q], src[2q+1])
// for 2q < n, n even.
func bf16RowGo(dst []uint32, src []float32) {
	src = src[:len(src)&^1]
	for q := range len(src) / 2 {
		dst[q] = bf16Pair(src[2*q], src[2*q+1])
	}
}

// bf16PairsGo is bf16PairsAVX512's twin: dst[j] = pair (r0[j], r1[j]).
func bf16PairsGo(dst []uint32, r0, r1 []float32) {
	r1 = r1[:len(r0)]
	for j, x := range r0 {
		dst[j] = bf16Pair(x, r1[j])
	}
}

// bf16Lo and bf16Hi are the low and high bf16 of a pair as fp32.
func bf16Lo(p uint32) float32 { return math.Float32frombits(p << 16) }
func bf16Hi(p uint32) float32 { return math.Float32frombits(p & 0xffff0000) }

// ftz flushes a denormal to zero of its sign, as VDPBF16PS does.
func ftz(x float32) float32 {
	if u := math.Float32bits(x); u&0x7f800000 == 0 {
		return math.Float32frombits(u & 0x80000000)
	}
	return x
}

// bf16DotGo is one lane of VDPBF16PS: acc plus the high products, then
// the low ones, each step rounded (the product of two bf16 values is
// exact in fp32) and flushed to zero.
func bf16DotGo(acc float32, a, b uint32) float32 {
	acc = ftz(acc + bf16Hi(a)*bf16Hi(b))
	return ftz(acc + bf16Lo(a)*bf16Lo(b))
}

// bf16KernelGo returns the twin of bf16Kernel12x<nr>AVX512: each element
// of the 12×nr tile summed over the kq pairs in order by bf16DotGo from
// zero, then stored as float32(alpha*s) + float32(beta*c) (beta ±0: C
// not read).
func bf16KernelGo(nr int) bf16KernelFunc {
	return func(kq int, a []uint32, rsA, csA int, b []uint32, ldb int, c []float32, ldc int, alpha, beta float32) {
		for i := 0; i < bf16MR; i++ {
			for j := 0; j < nr; j++ {
				var s float32
				for q := 0; q < kq; q++ {
					s = bf16DotGo(s, a[i*rsA+q*csA], b[q*ldb+j])
				}
				ci := &c[i*ldc+j]
				if beta == 0 {
					*ci = alpha * s
				} else {
					*ci = float32(alpha*s) + float32(beta**ci)
				}
			}
		}
	}
}
