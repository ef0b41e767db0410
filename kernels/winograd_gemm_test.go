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
