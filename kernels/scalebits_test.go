package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// scaleInputs returns n values mixing ordinary ones with the special ones
// a clear bit must keep as Go's product does: -0, negatives, infinities,
// NaNs and subnormals.
func scaleInputs(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), -2.5, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0xffc00001), math.SmallestNonzeroFloat32, -1e-40, math.MaxFloat32}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = special[rng.IntN(len(special))]
		} else {
			x[i] = float32(rng.NormFloat64())
		}
	}
	return x
}

// TestScaleByBits checks ScaleByBits bit for bit against the element
// rule (v * keep where the bit is set, v * 0 where not) for every length
// around the 64-value words, in place and not, and that the Go twin and
// the build's kernel agree.
func TestScaleByBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, keep := range []float32{4.0 / 3, 2, 1e30} {
		for n := 0; n <= 200; n++ {
			x := scaleInputs(rng, n)
			mask := make([]uint64, (n+63)/64)
			for w := range mask {
				mask[w] = rng.Uint64()
			}
			want := make([]float32, n)
			for i, v := range x {
				s := float32(0)
				if mask[i/64]>>(i%64)&1 == 1 {
					s = keep
				}
				want[i] = v * s
			}
			got, twin, inPlace := make([]float32, n), make([]float32, n), append([]float32(nil), x...)
			ScaleByBits(got, x, mask, keep)
			scaleByBitsGo(twin, x, mask, keep)
			ScaleByBits(inPlace, inPlace, mask, keep)
			for i := range want {
				w := math.Float32bits(want[i])
				if math.Float32bits(got[i]) != w || math.Float32bits(twin[i]) != w || math.Float32bits(inPlace[i]) != w {
					t.Fatalf("n %d keep %g: [%d] = %g (twin %g, in place %g), want %g (x %g)", n, keep, i, got[i], twin[i], inPlace[i], want[i], x[i])
				}
			}
		}
	}
}

// TestScaleByBitsPanics checks the length checks.
func TestScaleByBitsPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"lengths": func() { ScaleByBits(make([]float32, 3), make([]float32, 4), make([]uint64, 1), 2) },
		"mask":    func() { ScaleByBits(make([]float32, 65), make([]float32, 65), make([]uint64, 1), 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
