package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winoCase is one call of the transforms: tiles tiles of c channels, the
// input rows step apart per tile (0: one tile whose rows are anywhere).
type winoCase struct{ c, tiles, step, stride int }

func winoCases() []winoCase {
	var cs []winoCase
	for _, c := range []int{1, 3, 15, 16, 17, 32, 33, 64, 70} {
		for _, tiles := range []int{1, 2, 5} {
			step := 2 * c
			if tiles == 1 {
				step = 0
			}
			cs = append(cs, winoCase{c: c, tiles: tiles, step: step, stride: tiles*c + 3})
		}
	}
	return cs
}

// winoGuarded returns a slice of n values between two bands of sentinels
// and a check that the bands are intact.
func winoGuarded(t *testing.T, n int) ([]float32, func(string)) {
	sentinel := math.Float32frombits(0x7fc0dead)
	buf := make([]float32, n+2*guardBand)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf[guardBand : guardBand+n : guardBand+n], func(what string) {
		t.Helper()
		for i, v := range buf {
			if (i < guardBand || i >= guardBand+n) && math.Float32bits(v) != 0x7fc0dead {
				t.Fatalf("%s: wrote outside its output at %d", what, i-guardBand)
			}
		}
	}
}

func winoRand(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestWinogradImplsMatchGo checks that every implementation of the
// transforms gives the pure-Go twins' bits, writes nothing outside its
// outputs, and leaves the gaps between the rows of o alone.
func TestWinogradImplsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, impl := range supportedWinograd() {
		for _, tc := range winoCases() {
			rowLen := (tc.tiles-1)*tc.step + tc.c
			testInputRow(t, rng, impl, tc)
			var want, got []float32
			var check func(string)
			m := winoRand(rng, 16*tc.stride)
			bias := winoRand(rng, tc.c)
			var wantY, gotY [4][]float32
			var checks [4]func(string)
			for k := range wantY {
				wantY[k] = make([]float32, rowLen)
				gotY[k], checks[k] = winoGuarded(t, rowLen)
			}
			for _, relu := range []bool{false, true} {
				goWinograd.output(m, tc.stride, tc.tiles, tc.c, bias, &wantY, tc.step, relu)
				impl.output(m, tc.stride, tc.tiles, tc.c, bias, &gotY, tc.step, relu)
				for k := range gotY {
					checks[k](impl.name + " output")
					sameBitsOrSentinel(t, fmt.Sprintf("%s output (relu %v)", impl.name, relu), gotY[k], wantY[k])
				}
			}

			// The gradient's transform reads four rows like those of y.
			for k := range wantY {
				copy(wantY[k], winoRand(rng, rowLen))
			}
			want = make([]float32, 16*tc.stride)
			goWinograd.gradOut(&wantY, tc.step, tc.tiles, tc.c, want, tc.stride)
			got, check = winoGuarded(t, 16*tc.stride)
			impl.gradOut(&wantY, tc.step, tc.tiles, tc.c, got, tc.stride)
			check(impl.name + " gradOut")
			sameBitsOrSentinel(t, impl.name+" gradOut", got, want)
		}
	}
}

// inputRowMasks are the rows, first and last masks of inputRow the tests
// run: everything inside, the image's corners and edges.
var inputRowMasks = [][3]uint{{15, 15, 15}, {14, 14, 7}, {7, 12, 3}, {6, 15, 14}, {12, 3, 12}, {0, 15, 15}}

// testInputRow checks impl's inputRow on case tc against the transform
// of each tile's patch gathered by hand (zeros outside), with every value
// of x outside the patches NaN (a value read from outside would show),
// bit for bit, and that it writes nothing outside o's rows.
func testInputRow(t *testing.T, rng *rand.Rand, impl *winogradImpl, tc winoCase) {
	t.Helper()
	rowLen := (tc.tiles-1)*tc.step + 4*tc.c
	nan := float32(math.NaN())
	for _, m := range inputRowMasks {
		rows, first, last := m[0], m[1], m[2]
		x := make([]float32, 4*rowLen+3)
		for i := range x {
			x[i] = nan
		}
		off := [4]int{3 + 3*rowLen, 3 + rowLen, 3 + 2*rowLen, 3}
		want := make([]float32, 16*tc.stride)
		var patch, out [16][]float32
		for t := range tc.tiles {
			cols := uint(15)
			if t == 0 {
				cols &= first
			}
			if t == tc.tiles-1 {
				cols &= last
			}
			for k := range patch {
				patch[k] = make([]float32, tc.c)
				out[k] = want[k*tc.stride+t*tc.c:][:tc.c]
				if rows>>(k/4)&1 == 0 || cols>>(k%4)&1 == 0 {
					continue
				}
				at := off[k/4] + k%4*tc.c + t*tc.step
				for i := range patch[k] {
					if x[at+i] != x[at+i] { // not yet set by the tile before
						x[at+i] = float32(rng.NormFloat64())
					}
					patch[k][i] = x[at+i]
				}
			}
			inputTransform(&patch, &out)
		}
		zero := make([]float32, (tc.tiles-1)*tc.step+tc.c)
		got, check := winoGuarded(t, 16*tc.stride)
		impl.inputRow(x, &off, rows, first, last, zero, tc.step, tc.tiles, tc.c, got, tc.stride)
		name := fmt.Sprintf("%s inputRow c%d tiles %d masks %v", impl.name, tc.c, tc.tiles, m)
		check(name)
		sameBitsOrSentinel(t, name, got, want)
	}
}

// sameBitsOrSentinel compares got with want bit for bit where want was
// written (want's unwritten values are 0 and got's the sentinel).
func sameBitsOrSentinel(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i, v := range got {
		if math.Float32bits(v) == 0x7fc0dead && want[i] == 0 {
			continue
		}
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, want %v", what, i, v, want[i])
		}
	}
}
