package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestBF16Round checks the rounding of VCVTNE2PS2BF16 that every path
// (assembly and twins) must give: to nearest even, denormals to signed
// zero, NaNs quieted, overflow to infinity.
func TestBF16Round(t *testing.T) {
	for _, tc := range []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // tie, even below
		{0x3f818000, 0x3f82}, // tie, even above
		{0x3f808001, 0x3f81}, // above the tie
		{0xbf807fff, 0xbf80}, // below the tie, negative
		{0x00000001, 0x0000}, // denormal
		{0x807fffff, 0x8000}, // negative denormal
		{0x7f7fffff, 0x7f80}, // rounds to infinity
		{0xff800000, 0xff80}, // -infinity
		{0x7f800001, 0x7fc0}, // signalling NaN, quieted
		{0xffc12345, 0xffc1}, // quiet NaN
	} {
		if got := bf16Round(math.Float32frombits(tc.in)); got != tc.want {
			t.Errorf("bf16Round(%#08x) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
}

// bf16Value is x rounded to bf16, as fp32.
func bf16Value(x float32) float64 { return float64(math.Float32frombits(uint32(bf16Round(x)) << 16)) }

// TestSgemmBF16Bounds compares SgemmBF16 with two references computed in
// float64: the product of the bf16-rounded inputs, which only the fp32
// accumulation separates from it (a relative bound of k·2^-23 of
// Σ|a·b| is generous), and the fp32 product itself, from which the
// inputs' rounding takes it at most (2·2^-8 + 2^-16)·Σ|a·b| more.
func TestSgemmBF16Bounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 16))
	for _, tc := range []struct {
		transA, transB bool
		m, n, k        int
	}{
		{false, false, 1, 1, 1}, {false, false, 13, 33, 3}, {true, false, 25, 17, 8},
		{false, true, 12, 32, 64}, {true, true, 7, 5, 9}, {false, false, 100, 32, 27},
		{false, false, 37, 16, 144}, {true, false, 144, 16, 300}, {false, true, 50, 144, 16},
		{false, false, 24, 40, 600}, {true, false, 30, 64, 1025},
	} {
		for _, beta := range []float32{0, 0.5} {
			name := fmt.Sprintf("%v%v_%dx%dx%d_beta%v", tc.transA, tc.transB, tc.m, tc.n, tc.k, beta)
			checkBF16Bounds(t, rng, name, tc.transA, tc.transB, tc.m, tc.n, tc.k, beta)
		}
	}
}

func checkBF16Bounds(t *testing.T, rng *rand.Rand, name string, transA, transB bool, m, n, k int, beta float32) {
	t.Helper()
	lda, ldb, ldc := k+3, n+1, n+2
	if transA {
		lda = m + 3
	}
	if transB {
		ldb = k + 1
	}
	a := randF32(rng, lda*max(m, k))
	b := randF32(rng, ldb*max(n, k))
	c := randF32(rng, ldc*m)
	c0 := append([]float32(nil), c...)
	const alpha = 1.5
	SgemmBF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var exact, rounded, abs float64
			for p := 0; p < k; p++ {
				av, bv := a[i*lda+p], b[p*ldb+j]
				if transA {
					av = a[p*lda+i]
				}
				if transB {
					bv = b[j*ldb+p]
				}
				exact += float64(av) * float64(bv)
				rounded += bf16Value(av) * bf16Value(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			got := float64(c[i*ldc+j]) - float64(beta)*float64(c0[i*ldc+j])
			tolAcc := alpha * (float64(k)*0x1p-23*abs + 0x1p-20)
			if d := math.Abs(got - alpha*rounded); d > tolAcc {
				t.Fatalf("%s: C[%d,%d] = %v, bf16 inputs' product %v (diff %g > %g)", name, i, j, got, alpha*rounded, d, tolAcc)
			}
			if d := math.Abs(got - alpha*exact); d > tolAcc+alpha*(0x1p-7+0x1p-16)*abs {
				t.Fatalf("%s: C[%d,%d] = %v, fp32 product %v: diff %g beyond bf16 rounding", name, i, j, got, alpha*exact, d)
			}
		}
	}
}

func randF32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// TestSgemmBF16Threads checks that the bits do not depend on GOMAXPROCS
// (the tasks' rows do) and that beta == 0 never reads C (NaNs there).
func TestSgemmBF16Threads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const m, n, k = 200, 48, 700
	a, b := randF32(rng, m*k), randF32(rng, k*n)
	var want []float32
	for _, threads := range []int{1, 2, 5} {
		old := runtime.GOMAXPROCS(threads)
		c := make([]float32, m*n)
		for i := range c {
			c[i] = float32(math.NaN())
		}
		SgemmBF16(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		runtime.GOMAXPROCS(old)
		if want == nil {
			want = c
			continue
		}
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
				t.Fatalf("GOMAXPROCS %d: C[%d] = %v, with 1 thread %v", threads, i, c[i], want[i])
			}
		}
	}
}
