package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Backward's sums (Σdy and Σdy·xhat over 512 rows, with and without the
// kept bits) stay within 1e-12 of the exact sums, relative to Σ|dy·xhat|,
// for inputs whose mean is far from zero against their spread too (x =
// mean + std·N(0,1), xhat = (x - mean)/std): each group's Σdy·x is
// summed in float64 from exact products before the mean is taken off.
func TestNormSumsAccuracy(t *testing.T) {
	const rows, c = 512, 16
	rng := rand.New(rand.NewPCG(3, 4))
	for _, mean := range []float64{0, 10, 1000, -3e4} {
		x, dy := make([]float32, rows*c), make([]float32, rows*c)
		for i := range x {
			x[i] = float32(mean + 0.5*rng.NormFloat64())
			dy[i] = float32(rng.NormFloat64())
		}
		keep := make([]byte, rows*c/8)
		for i := range keep {
			keep[i] = byte(rng.Uint32())
		}
		a, b := make([]float64, c), make([]float64, c)
		for j := range a {
			a[j], b[j] = mean, 2
		}
		for _, withKeep := range []bool{false, true} {
			s, q := make([]float64, c), make([]float64, c)
			if withKeep {
				NormSumsKeep(s, q, a, b, x, dy, keep)
			} else {
				NormSums(s, q, a, b, x, dy, true)
			}
			for j := range c {
				es, eq, mag := new(big.Float).SetPrec(300), new(big.Float).SetPrec(300), 0.0
				for r := range rows {
					i := r*c + j
					if withKeep && !kept(keep, i) {
						continue
					}
					d := new(big.Float).SetPrec(300).SetFloat64(float64(dy[i]))
					h := new(big.Float).SetPrec(300).SetFloat64(float64(x[i]))
					h.Sub(h, new(big.Float).SetFloat64(a[j]))
					h.Mul(h, new(big.Float).SetFloat64(b[j]))
					es.Add(es, d)
					eq.Add(eq, new(big.Float).SetPrec(300).Mul(d, h))
					hf, _ := h.Float64()
					mag += math.Abs(float64(dy[i]) * hf)
				}
				ws, _ := es.Float64()
				wq, _ := eq.Float64()
				if e := math.Abs(s[j]-ws) / mag; e > 1e-12 {
					t.Errorf("mean %g keep %v channel %d: Σdy %v, exact %v (relative error %.3g)", mean, withKeep, j, s[j], ws, e)
				}
				if e := math.Abs(q[j]-wq) / mag; e > 1e-12 {
					t.Errorf("mean %g keep %v channel %d: Σdy·xhat %v, exact %v (relative error %.3g)", mean, withKeep, j, q[j], wq, e)
				}
			}
		}
	}
}

// The statistics' shifted sums Σ(x - K) and Σ(x - K)² (K the first row,
// 512 rows as a block of a BatchNormalization) stay within 1e-14 of the
// exact sums relative to Σ|x - K| and Σ(x - K)², whatever the mean.
func TestNormStatsAccuracy(t *testing.T) {
	const rows, c = 512, 16
	rng := rand.New(rand.NewPCG(5, 6))
	for _, mean := range []float64{0, 10, 1000, -3e4} {
		x := make([]float32, rows*c)
		for i := range x {
			x[i] = float32(mean + 0.5*rng.NormFloat64())
		}
		k := make([]float64, c)
		for j := range k {
			k[j] = float64(x[j])
		}
		s, q := make([]float64, c), make([]float64, c)
		NormSums(s, q, k, nil, x, nil, false)
		for j := range c {
			es, eq, mag := new(big.Float).SetPrec(300), new(big.Float).SetPrec(300), 0.0
			for r := range rows {
				h := new(big.Float).SetPrec(300).SetFloat64(float64(x[r*c+j]))
				h.Sub(h, new(big.Float).SetFloat64(k[j]))
				es.Add(es, h)
				eq.Add(eq, new(big.Float).SetPrec(300).Mul(h, h))
				hf, _ := h.Float64()
				mag += math.Abs(hf)
			}
			ws, _ := es.Float64()
			wq, _ := eq.Float64()
			if e := math.Abs(s[j]-ws) / mag; e > 1e-14 {
				t.Errorf("mean %g channel %d: Σ(x-K) %v, exact %v (relative error %.3g)", mean, j, s[j], ws, e)
			}
			if e := math.Abs(q[j]-wq) / wq; e > 1e-14 {
				t.Errorf("mean %g channel %d: Σ(x-K)² %v, exact %v (relative error %.3g)", mean, j, q[j], wq, e)
			}
		}
	}
}
