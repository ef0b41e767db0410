package nn

import "testing"

// TestFillRows: every whole row of dst gets v, for row counts around the
// powers of two fillRows doubles through, and a partial last row is left
// alone.
func TestFillRows(t *testing.T) {
	v := []float32{1, 2, 3}
	for rows := 0; rows <= 70; rows++ {
		dst := make([]float32, rows*len(v)+2)
		dst[len(dst)-1], dst[len(dst)-2] = -1, -1
		fillRows(dst, v)
		for i := 0; i < rows*len(v); i++ {
			if dst[i] != v[i%len(v)] {
				t.Fatalf("%d rows: dst[%d] = %v, want %v", rows, i, dst[i], v[i%len(v)])
			}
		}
		if dst[len(dst)-1] != -1 || dst[len(dst)-2] != -1 {
			t.Fatalf("%d rows: the partial row was written", rows)
		}
	}
}

// BenchmarkFillRows fills a 512-row tile of a 16-filter convolution's
// output with its bias.
func BenchmarkFillRows(b *testing.B) {
	v, dst := make([]float32, 16), make([]float32, 512*16)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		fillRows(dst, v)
	}
}
