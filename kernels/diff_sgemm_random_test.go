package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// sgemmRef is C = alpha*op(A)*op(B) + beta*C in float64 (the whole
// ldc-strided C, only the m×n corner changes).
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, len(c))
	for i, v := range c {
		out[i] = float64(v)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			o := i*ldc + j
			out[o] = float64(alpha)*s + float64(beta)*float64(c[o])
			if beta == 0 {
				out[o] = float64(alpha) * s
			}
		}
	}
	return out
}

// TestDiffSgemmRandom: Sgemm over random shapes (edges of every kernel
// width: 1 to 70 rows and columns, 16-column right edges, short and
// long reductions split over k), both transpositions, padded leading dimensions and
// alpha/beta, matches the float64 sums within 1e-5 of the largest, C
// outside the m×n corner untouched, and the same bits at 1, 2 and 3
// threads.
func TestDiffSgemmRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(111, 112))
	dims := []int{1, 2, 3, 11, 12, 13, 15, 16, 17, 24, 31, 32, 33, 44, 47, 48, 49, 64, 65, 70}
	for it := 0; it < 60; it++ {
		m, n := dims[rng.IntN(len(dims))], dims[rng.IntN(len(dims))]
		k := []int{1, 3, 16, 27, 144, 300, 577}[rng.IntN(7)]
		if it%10 == 9 { // a larger problem that the driver blocks and splits
			m, n, k = 200+rng.IntN(90), 100+rng.IntN(80), 300+rng.IntN(300)
		}
		if it%10 == 4 { // a long reduction with a small C: split over k
			m, n, k = 5+rng.IntN(20), 16+rng.IntN(40), 4096+rng.IntN(3000)
		}
		transA, transB := rng.IntN(2) == 0, rng.IntN(2) == 0
		alpha := []float32{1, 0.5, -2}[rng.IntN(3)]
		beta := []float32{0, 1, 0.25}[rng.IntN(3)]
		ra, ca := m, k
		if transA {
			ra, ca = k, m
		}
		rb, cb := k, n
		if transB {
			rb, cb = n, k
		}
		lda, ldb, ldc := ca+rng.IntN(3), cb+rng.IntN(3), n+rng.IntN(3)
		a, b, c := randSlice(rng, ra*lda), randSlice(rng, rb*ldb), randSlice(rng, m*ldc)
		what := fmt.Sprintf("m%d n%d k%d transA %v transB %v alpha %g beta %g lda %d ldb %d ldc %d", m, n, k, transA, transB, alpha, beta, lda, ldb, ldc)
		want := sgemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		var first []float32
		for _, procs := range []int{1, 2, 3} {
			got := slices.Clone(c)
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, got, ldc)
			}()
			if first == nil {
				checkNear(t, what, got, want, 1e-5)
				first = got
				continue
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%s: threads %d c[%d] = %v, 1 thread %v", what, procs, i, got[i], first[i])
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

// checkNear compares got with want within tol times the largest |want|.
func checkNear(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol*scale {
			t.Fatalf("%s: [%d] = %.8g, reference %.8g", what, i, got[i], want[i])
		}
	}
}
