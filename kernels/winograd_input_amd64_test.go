//go:build !purego

package kernels

import "testing"

// TestCheckInputRow: the AVX-512 input run's bounds check refuses a run
// that would read before or after x, or zeros too short, and lets the
// tightest legal runs through (columns outside the image never count).
func TestCheckInputRow(t *testing.T) {
	const c, step, tiles = 4, 8, 3
	n := 2*step + 4*c // one row: three tiles
	for _, tc := range []struct {
		name              string
		off               [4]int
		rows, first, last uint
		nz                int
		panics            bool
	}{
		{"inside", [4]int{0, n, 2 * n, 3 * n}, 15, 15, 15, 2*step + c, false},
		{"left column outside", [4]int{-c, n - c, 2*n - c, 3*n - c}, 15, 14, 7, 2*step + c, false},
		{"row outside", [4]int{-n, 0, n, 2 * n}, 14, 15, 15, 2*step + c, false},
		{"before x", [4]int{-c, n, 2 * n, 3 * n}, 15, 15, 15, 2*step + c, true},
		{"after x", [4]int{0, n, 2 * n, 3*n + c}, 15, 15, 15, 2*step + c, true},
		{"after x, last column", [4]int{0, n, 2 * n, 3*n + c}, 15, 15, 7, 2*step + c, false},
		{"zeros short", [4]int{0, n, 2 * n, 3 * n}, 15, 15, 15, 2*step + c - 1, true},
	} {
		func() {
			defer func() {
				if got := recover() != nil; got != tc.panics {
					t.Errorf("%s: panicked %v, want %v", tc.name, got, tc.panics)
				}
			}()
			checkInputRow(4*n, &tc.off, tc.rows, tc.first, tc.last, tc.nz, step, tiles, c)
		}()
	}
}
