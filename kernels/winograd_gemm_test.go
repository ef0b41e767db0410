package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinogradGemmMatchesDriver checks every implementation of a chunk's
// product (winogradImpl.gemm) bit for bit against the SGEMM driver with
// bestKernel (winogradGemmGo), and within float32 rounding of float64
// sums: every row count around the 12-row panels, short and odd
// reductions, 32-column strips and widths that fall back to the driver.
func TestWinogradGemmMatchesDriver(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	var s gemmScratch
	for _, impl := range supportedWinograd() {
		for _, n := range []int{32, 64, 96, 48, 16} {
			for _, k := range []int{1, 3, 4, 5, 32, 64, 67, 800} {
				for _, rows := range []int{1, 2, 5, 11, 12, 13, 23, 24, 25, 40} {
					if k == 800 && rows > 13 {
						continue // one long case is enough
					}
					a, b := winoRand(rng, rows*k), winoRand(rng, k*n)
					want, got := make([]float32, rows*n), make([]float32, rows*n)
					for i := range got {
						got[i] = float32(math.NaN()) // never read
					}
					winogradGemmGo(a, rows, k, b, n, want, &s)
					impl.gemm(a, rows, k, b, n, got, &s)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s rows %d k %d n %d: c[%d] = %g, the driver gives %g", impl.name, rows, k, n, i, got[i], want[i])
						}
					}
					checkGemm64(t, a, b, got, rows, k, n)
				}
			}
		}
	}
}

// checkGemm64 checks c = a·b against float64 sums: within a few float32
// roundings of the sum of the terms' magnitudes.
func checkGemm64(t *testing.T, a, b, c []float32, rows, k, n int) {
	t.Helper()
	for i := range rows {
		for j := range n {
			var sum, mag float64
			for q := range k {
				p := float64(a[i*k+q]) * float64(b[q*n+j])
				sum += p
				mag += math.Abs(p)
			}
			if d := math.Abs(float64(c[i*n+j]) - sum); d > float64(k+1)*0x1p-24*mag+1e-30 {
				t.Fatalf("rows %d k %d n %d: c[%d][%d] = %g, float64 sum %g", rows, k, n, i, j, c[i*n+j], sum)
			}
		}
	}
}

// TestWinogradGemmTMatchesDriver checks every implementation of a kernel
// gradient chunk's product (winogradImpl.gemmT: c = aᵀ·b, plus c before
// when add) bit for bit against the SGEMM driver with bestKernel
// (winogradGemmTGo), within float32 rounding of float64 sums, that it
// writes nothing outside c, and that it reads and writes nothing past the
// ends of a, b and c (each at a guard page): every row count around the 12-row panels,
// short, odd and long reductions (800: two k-blocks, the driver's path),
// 32-column strips and widths that fall back to the driver.
func TestWinogradGemmTMatchesDriver(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	var s gemmScratch
	for _, impl := range supportedWinograd() {
		for _, n := range []int{32, 64, 96, 48, 16} {
			for _, k := range []int{1, 3, 4, 5, 64, 67, 128, 800} {
				for _, m := range []int{1, 2, 5, 11, 12, 13, 23, 24, 25, 32, 64} {
					if k == 800 && m > 13 {
						continue // one long case is enough
					}
					a, b, c0 := winoRand(rng, k*m), winoRand(rng, k*n), winoRand(rng, m*n)
					for _, add := range []bool{false, true} {
						want := append([]float32(nil), c0...)
						got, check := winoGuarded(t, m*n)
						if add {
							copy(got, c0)
						} else {
							for i := range got {
								got[i] = float32(math.NaN()) // never read
							}
						}
						winogradGemmTGo(a, m, k, b, n, want, add, &s)
						impl.gemmT(a, m, k, b, n, got, add, &s)
						check(impl.name + " gemmT")
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s m %d k %d n %d add %v: c[%d] = %g, the driver gives %g", impl.name, m, k, n, add, i, got[i], want[i])
							}
						}
						checkGemmT64(t, a, b, c0, got, m, k, n, add)
						if add { // a, b and c each ending at an inaccessible page
							aEnd, bEnd, cEnd := guardedCopy(t, k*m), guardedCopy(t, k*n), guardedF32(t, m*n)
							copy(cEnd, c0)
							impl.gemmT(aEnd(a), m, k, bEnd(b), n, cEnd, add, &s)
							for i := range want {
								if math.Float32bits(cEnd[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%s m %d k %d n %d at guard pages: c[%d] = %g, the driver gives %g", impl.name, m, k, n, i, cEnd[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}

// checkGemmT64 checks c = aᵀ·b (+ c0 when add) against float64 sums:
// within a few float32 roundings of the sum of the terms' magnitudes.
func checkGemmT64(t *testing.T, a, b, c0, c []float32, m, k, n int, add bool) {
	t.Helper()
	for i := range m {
		for j := range n {
			var sum, mag float64
			if add {
				sum, mag = float64(c0[i*n+j]), math.Abs(float64(c0[i*n+j]))
			}
			for q := range k {
				p := float64(a[q*m+i]) * float64(b[q*n+j])
				sum += p
				mag += math.Abs(p)
			}
			if d := math.Abs(float64(c[i*n+j]) - sum); d > float64(k+2)*0x1p-24*mag+1e-30 {
				t.Fatalf("m %d k %d n %d add %v: c[%d][%d] = %g, float64 sum %g", m, k, n, add, i, j, c[i*n+j], sum)
			}
		}
	}
}
