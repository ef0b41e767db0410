package data

import (
	"bytes"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
)

// TestJPEGOrientationParsing: the tag is found after a JFIF APP0 segment
// and in little-endian Exif; a cut or odd segment means "as stored".
func TestJPEGOrientationParsing(t *testing.T) {
	jpg := messy.JPEG(messy.Pattern())
	app0 := []byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	withApp0 := append(append(append([]byte{}, jpg[:2]...), app0...), jpg[2:]...)
	le := messy.WithOrientation(jpg, 8)
	// Rewrite the big-endian TIFF block of le as little-endian by hand.
	i := bytes.Index(le, []byte("MM\x00\x2a"))
	copy(le[i:], []byte{'I', 'I', 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0})
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{
		{"app0 then exif 6", messy.WithOrientation(withApp0, 6), 6},
		{"exif after app0", append(append(append([]byte{}, withApp0[:20]...), messy.WithOrientation(withApp0[:2], 3)[2:]...), withApp0[20:]...), 3},
		{"little endian 8", le, 8},
		{"none", jpg, 1},
		{"cut", messy.WithOrientation(jpg, 5)[:20], 1},
		{"out of range", messy.WithOrientation(jpg, 9), 1},
		{"not jpeg", []byte("GIF89a"), 1},
	} {
		if got := jpegOrientation(c.b); got != c.want {
			t.Errorf("%s: orientation %d, want %d", c.name, got, c.want)
		}
	}
}
