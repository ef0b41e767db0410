package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestWinograd4ImplsMatchGo checks that every implementation of the
// F(4×4, 3×3) transforms gives the pure-Go twins' bits and writes nothing
// outside its outputs (nor in the gaps between the rows of o).
func TestWinograd4ImplsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, impl := range supportedWinograd() {
		for _, tc := range winoCases() {
			step := 2 * tc.step // a tile's patch rows 4·c after the previous one's
			rowLen := (tc.tiles-1)*step + tc.c
			var d [36][]float32
			for i := range d {
				d[i] = winoRand(rng, rowLen)
			}
			want := make([]float32, 36*tc.stride)
			goWinograd.input4(&d, step, tc.tiles, tc.c, want, tc.stride)
			got, check := winoGuarded(t, 36*tc.stride)
			impl.input4(&d, step, tc.tiles, tc.c, got, tc.stride)
			check(impl.name + " input4")
			sameBitsOrSentinel(t, fmt.Sprintf("%s input4 %+v", impl.name, tc), got, want)

			m, bias := winoRand(rng, 36*tc.stride), winoRand(rng, tc.c)
			var wantY, gotY [16][]float32
			var checks [16]func(string)
			for k := range wantY {
				wantY[k] = make([]float32, rowLen)
				gotY[k], checks[k] = winoGuarded(t, rowLen)
			}
			for _, relu := range []bool{false, true} {
				goWinograd.output4(m, tc.stride, tc.tiles, tc.c, bias, &wantY, step, relu)
				impl.output4(m, tc.stride, tc.tiles, tc.c, bias, &gotY, step, relu)
				for k := range gotY {
					checks[k](impl.name + " output4")
					sameBitsOrSentinel(t, fmt.Sprintf("%s output4 %d (relu %v) %+v", impl.name, k, relu, tc), gotY[k], wantY[k])
				}
			}
		}
	}
}
