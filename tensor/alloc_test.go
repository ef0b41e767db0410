package tensor

import (
	"testing"
	"unsafe"
)

// TestFloatsHugeAligned: New's large buffers start on a huge-page
// boundary (where huge pages are asked for), span whole huge pages in
// their capacity and come zeroed; small ones are as make gives them.
func TestFloatsHugeAligned(t *testing.T) {
	for _, n := range []int{1, 1000, hugeMin/4 - 1, hugeMin / 4, hugePage / 4, hugePage/4 + 1, 3*hugePage/4 + 7} {
		b := floats(n)
		if len(b) != n {
			t.Fatalf("floats(%d): len %d", n, len(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("floats(%d)[%d] = %v, want 0", n, i, v)
			}
		}
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		huge := hugePages && n*4 >= hugeMin
		if huge && (p%hugePage != 0 || (cap(b)*4)%hugePage != 0 || cap(b) < n) {
			t.Errorf("floats(%d): at %#x, capacity %d floats: want a huge-page boundary and whole huge pages", n, p, cap(b))
		}
		if !huge && cap(b) != n {
			t.Errorf("floats(%d): capacity %d, want %d (make's)", n, cap(b), n)
		}
		b[0], b[n-1] = 1, 2 // writable to both ends
	}
}
