package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestReluMask checks every implementation, and the exported functions
// (split over threads), against ReluGrad's loop: a bit is set exactly
// where refReluGrad keeps a gradient of ones, and applying the mask to dy
// gives refReluGrad's bits; nothing is written past the mask's words or
// around dy.
func TestReluMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	impls := append(supportedElementwise(), nil) // nil: ReluMask and ApplyReluMask
	for _, impl := range impls {
		for _, n := range append(lengths(), 64*minMaskWords*3+5) {
			y := values(rng, n)
			for i := range y {
				switch i % 5 {
				case 0:
					y[i] = max(y[i], 0)
				case 1:
					y[i] = float32(math.Copysign(0, float64(y[i])))
				}
			}
			ones := make([]float32, n)
			for i := range ones {
				ones[i] = 1
			}
			refReluGrad(ones, y)
			words := (n + 63) / 64
			mask := make([]uint64, words+1)
			mask[words] = 0xdeadbeef
			dy := values(rng, n)
			want := clone(dy)
			refReluGrad(want, y)
			d := newBanded(dy)
			name := "exported"
			if impl != nil {
				name = impl.name
				impl.reluMask(mask[:words], y)
				impl.applyReluMask(d.s(), mask[:words])
			} else {
				ReluMask(mask, y)
				ApplyReluMask(d.s(), mask)
			}
			what := fmt.Sprintf("%s n=%d", name, n)
			for i := range y {
				if got := mask[i/64]>>(i%64)&1 == 1; got != (ones[i] != 0) {
					t.Fatalf("%s: bit %d = %v for y = %#08x", what, i, got, math.Float32bits(y[i]))
				}
			}
			if words > 0 && n%64 != 0 && mask[words-1]>>(n%64) != 0 {
				t.Fatalf("%s: bits set past the end", what)
			}
			if mask[words] != 0xdeadbeef {
				t.Fatalf("%s: word past the mask written", what)
			}
			d.check(t, what)
			sameBits(t, what+" dy", d.s(), want)
		}
	}
}

func TestReluMaskPanics(t *testing.T) {
	for _, f := range []func(){
		func() { ReluMask(make([]uint64, 1), make([]float32, 65)) },
		func() { ApplyReluMask(make([]float32, 129), make([]uint64, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a mask too short")
				}
			}()
			f()
		}()
	}
}
