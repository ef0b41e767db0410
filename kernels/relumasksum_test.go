package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// maskSumInputs returns rows×n gradient values (some ±0, NaN, ±Inf) in
// the middle of a buffer of sentinels, random mask bits, and a check that
// the sentinels are intact.
func maskSumInputs(t *testing.T, rng *rand.Rand, rows, n int) ([]float32, []uint64, func()) {
	sentinel := math.Float32frombits(0x7fc0dead)
	buf := make([]float32, rows*n+2*guardBand)
	for i := range buf {
		buf[i] = sentinel
	}
	dy := buf[guardBand : guardBand+rows*n : guardBand+rows*n]
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for i := range dy {
		dy[i] = float32(rng.NormFloat64())
		if rng.IntN(16) == 0 {
			dy[i] = special[rng.IntN(len(special))]
		}
	}
	mask := make([]uint64, (rows*n+63)/64)
	for w := range mask {
		mask[w] = rng.Uint64()
	}
	return dy, mask, func() {
		t.Helper()
		for i, v := range buf {
			if (i < guardBand || i >= guardBand+rows*n) && math.Float32bits(v) != 0x7fc0dead {
				t.Fatalf("wrote outside dy at %d", i-guardBand)
			}
		}
	}
}

// TestApplyReluMaskSumRows64 checks ApplyReluMaskSumRows64 (fused or not,
// at 1 and 2 threads) and its Go twin against ApplyReluMask followed by
// SumRows64: the same bits in dy and in the sums (the Go twin's NaN sums
// may carry another NaN, as sumRows64Go's), added to the sums' starting
// values, nothing written outside dy or acc.
func TestApplyReluMaskSumRows64(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, threads := range []int{1, 2} {
		runtime.GOMAXPROCS(threads)
		for _, n := range []int{16, 20, 32, 48, 64, 80, 96, 128, 144} {
			for _, rows := range []int{1, 3, 37, 700} {
				dy, mask, check := maskSumInputs(t, rng, rows, n)
				start := make([]float64, n)
				for j := range start {
					start[j] = rng.NormFloat64()
				}
				want, wantDy := append([]float64(nil), start...), append([]float32(nil), dy...)
				ApplyReluMask(wantDy, mask)
				SumRows64(want, wantDy)
				twin, twinDy := append([]float64(nil), start...), append([]float32(nil), dy...)
				if n%16 == 0 {
					applyReluMaskSumGo(twin, twinDy, mask, 0, rows, n)
				} else {
					twin, twinDy = want, wantDy
				}
				accBuf := make([]float64, n+2)
				accBuf[0], accBuf[n+1] = -7, -7
				acc := accBuf[1 : n+1 : n+1]
				copy(acc, start)
				ApplyReluMaskSumRows64(acc, dy, mask)
				check()
				if accBuf[0] != -7 || accBuf[n+1] != -7 {
					t.Fatalf("n %d rows %d: wrote outside acc", n, rows)
				}
				for i := range dy {
					if math.Float32bits(dy[i]) != math.Float32bits(wantDy[i]) || math.Float32bits(twinDy[i]) != math.Float32bits(wantDy[i]) {
						t.Fatalf("threads %d n %d rows %d: dy[%d] = %v (twin %v), want %v", threads, n, rows, i, dy[i], twinDy[i], wantDy[i])
					}
				}
				for j := range acc {
					twinOK := math.Float64bits(twin[j]) == math.Float64bits(want[j]) || (twin[j] != twin[j] && want[j] != want[j])
					if math.Float64bits(acc[j]) != math.Float64bits(want[j]) || !twinOK {
						t.Fatalf("threads %d n %d rows %d: acc[%d] = %v (twin %v), want %v (%x %x %x)", threads, n, rows, j, acc[j], twin[j], want[j], math.Float64bits(acc[j]), math.Float64bits(twin[j]), math.Float64bits(want[j]))
					}
				}
			}
		}
	}
}

// BenchmarkApplyReluMaskSumRows64 times the fused pass against
// ApplyReluMask then SumRows64, and against the Go loop, on vgg-small's
// 64 px conv2d_1 output gradient (batch 32: 64×64×32 values per sample,
// 32 columns) and on 64 columns:
//
//	go test ./kernels -run '^$' -bench ApplyReluMaskSumRows64 -cpu 1
func BenchmarkApplyReluMaskSumRows64(b *testing.B) {
	for _, n := range []int{32, 64} {
		rows := 32 * 64 * 64 * 32 / n
		rng := rand.New(rand.NewPCG(1, 2))
		dy := make([]float32, rows*n)
		for i := range dy {
			dy[i] = float32(rng.NormFloat64())
		}
		mask := make([]uint64, len(dy)/64)
		for w := range mask {
			mask[w] = rng.Uint64()
		}
		acc := make([]float64, n)
		for _, v := range []struct {
			name string
			fn   func()
		}{
			{"fused", func() { ApplyReluMaskSumRows64(acc, dy, mask) }},
			{"two-passes", func() { ApplyReluMask(dy, mask); SumRows64(acc, dy) }},
			{"go", func() { applyReluMaskSumGo(acc, dy, mask, 0, rows, n) }},
		} {
			b.Run(fmt.Sprintf("%s/cols=%d", v.name, n), func(b *testing.B) {
				for b.Loop() {
					v.fn()
				}
				b.ReportMetric(float64(len(dy))*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
