package data

import (
	"bytes"
	"image/color"
	"testing"
)

// A GIF with a 20x10 logical screen, background index 0, and one 6x4
// frame at (8, 3) (index 1 at its top-left pixel, index 0 elsewhere),
// written by PIL 9.4 and patched; PIL opens it as 20x10 with
// (0,0) = (15,16,17), (8,3) = (27,28,29), (9,3) = (15,16,17), (19,9) =
// (15,16,17).
var offsetGIF = []byte("\x47\x49\x46\x38\x37\x61\x14\x00\x0a\x00\x81\x00\x00\x0f\x10\x11\x1b\x1c\x1d\x00\x00\x00\x00\x00\x00\x2c\x08\x00\x03\x00\x06\x00\x04\x00\x00\x08\x0c\x00\x03\x00\x18\x48\xb0\xa0\xc1\x83\x03\x03\x02\x00\x3b")

func TestGIFFrameOnItsScreenAsPIL(t *testing.T) {
	img, o, err := DecodeImage(bytes.NewReader(offsetGIF))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 20 || r.Dy() != 10 || o.Width != 20 || o.Height != 10 {
		t.Fatalf("bounds %v, original %dx%d, want 20x10 (PIL)", r, o.Width, o.Height)
	}
	for _, c := range []struct {
		x, y    int
		r, g, b uint8
	}{{0, 0, 15, 16, 17}, {8, 3, 27, 28, 29}, {9, 3, 15, 16, 17}, {19, 9, 15, 16, 17}} {
		got := color.NRGBAModel.Convert(img.At(c.x, c.y)).(color.NRGBA)
		if got.R != c.r || got.G != c.g || got.B != c.b {
			t.Errorf("(%d,%d) = %v, want (%d,%d,%d) as PIL", c.x, c.y, got, c.r, c.g, c.b)
		}
	}
}
