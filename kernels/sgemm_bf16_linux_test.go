//go:build !purego && amd64

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// bf16Specials are values whose conversion takes every branch.
var bf16Specials = []uint32{0, 0x80000000, 1, 0x807fffff, 0x3f808000, 0x3f818000, 0x7f7fffff,
	0x7f800000, 0xff800000, 0x7f800001, 0xffc12345, 0x00800000, 0x3f80ffff}

// randBF16Input is random values of many magnitudes, some special.
func randBF16Input(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = (2*rng.Float32() - 1) * float32(math.Ldexp(1, rng.IntN(40)-20))
		if rng.IntN(8) == 0 {
			x[i] = math.Float32frombits(bf16Specials[rng.IntN(len(bf16Specials))])
		}
	}
	return x
}

func guardedU32(t *testing.T, n int) []uint32 {
	b := guardedBytes(t, 4*n)
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)
}

// TestBF16ConversionsAsm checks the assembly conversions against their
// twins bit for bit (NaNs included), every slice ending at a guard page.
func TestBF16ConversionsAsm(t *testing.T) {
	if !hasAVX512BF16 {
		t.Skip("CPU without AVX512_BF16")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{32, 64, 320} {
		src := guardedF32(t, n)
		copy(src, randBF16Input(rng, n))
		got, want := guardedU32(t, n/2), make([]uint32, n/2)
		bf16RowAsm(got, src)
		bf16RowGo(want, src)
		compareU32(t, "bf16RowAsm", got, want)
		r0, r1 := guardedF32(t, n/2), guardedF32(t, n/2)
		copy(r0, src)
		copy(r1, src[n/2:])
		got = guardedU32(t, n/2)
		bf16PairsAsm(got, r0, r1)
		bf16PairsGo(want, r0, r1)
		compareU32(t, "bf16PairsAsm", got, want)
	}
}

func compareU32(t *testing.T, name string, got, want []uint32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: [%d] = %#08x, twin %#08x", name, i, got[i], want[i])
		}
	}
}

// TestBF16KernelsAsm checks the micro-kernels against bf16KernelGo bit
// for bit: random pairs of many magnitudes (products within fp32's
// normal range, where the twin is exact), both A layouts, beta 0 with
// NaNs in C and beta != 0, operands ending at guard pages.
func TestBF16KernelsAsm(t *testing.T) {
	if !hasAVX512BF16 {
		t.Skip("CPU without AVX512_BF16")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, nr := range []int{16, 32} {
		asm, twin := bf16Kernels(nr), bf16KernelGo(nr)
		for _, kq := range []int{1, 2, 7, 256} {
			for _, rowMajor := range []bool{true, false} {
				for _, beta := range []float32{0, 0.75} {
					rsA, csA := kq+1, 1
					if !rowMajor {
						rsA, csA = 1, bf16MR+2
					}
					a := randPairs(rng, guardedU32(t, 11*rsA+(kq-1)*csA+1))
					ldb := nr + 3
					b := randPairs(rng, guardedU32(t, (kq-1)*ldb+nr))
					ldc := nr + 5
					got := guardedF32(t, 11*ldc+nr)
					want := make([]float32, len(got))
					for i := range got {
						got[i] = float32(math.NaN())
						if beta != 0 {
							got[i] = 2*rng.Float32() - 1
						}
						want[i] = got[i]
					}
					asm(kq, a, rsA, csA, b, ldb, got, ldc, 1.25, beta)
					twin(kq, a, rsA, csA, b, ldb, want, ldc, 1.25, beta)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("nr %d kq %d rowMajor %v beta %v: C[%d] = %v, twin %v", nr, kq, rowMajor, beta, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// randPairs fills p with bf16 pairs of magnitudes 2^-30..2^30 (products
// and sums well inside fp32's normal range) and returns it.
func randPairs(rng *rand.Rand, p []uint32) []uint32 {
	for i := range p {
		x := (2*rng.Float32() - 1) * float32(math.Ldexp(1, rng.IntN(60)-30))
		y := (2*rng.Float32() - 1) * float32(math.Ldexp(1, rng.IntN(60)-30))
		p[i] = bf16Pair(x, y)
	}
	return p
}
