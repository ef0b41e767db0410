package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// gradient returns a w x h test image whose pixels depend on seed, in the
// given mode ("gray", "rgb", "rgba", "paletted").
func gradient(w, h, seed int, mode string) image.Image {
	r := image.Rect(0, 0, w, h)
	v := func(x, y, k int) uint8 { return uint8((x*37 + y*91 + k*53 + seed*29) % 256) }
	switch mode {
	case "gray":
		im := image.NewGray(r)
		for y := range h {
			for x := range w {
				im.SetGray(x, y, color.Gray{v(x, y, 0)})
			}
		}
		return im
	case "rgba":
		im := image.NewNRGBA(r)
		for y := range h {
			for x := range w {
				im.SetNRGBA(x, y, color.NRGBA{v(x, y, 0), v(x, y, 1), v(x, y, 2), uint8(128 + x%2)})
			}
		}
		return im
	case "paletted":
		pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
		im := image.NewPaletted(r, pal)
		for y := range h {
			for x := range w {
				im.SetColorIndex(x, y, uint8((x+y+seed)%3))
			}
		}
		return im
	}
	im := image.NewRGBA(r)
	for y := range h {
		for x := range w {
			im.SetRGBA(x, y, color.RGBA{v(x, y, 0), v(x, y, 1), v(x, y, 2), 255})
		}
	}
	return im
}

func encodePNG(t testing.TB, im image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, im image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, im, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes data at dir/rel, making folders.
func writeFile(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// idxBytes encodes an unsigned-byte IDX file.
func idxBytes(dims []int, data []byte, gz bool) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	if !gz {
		return b.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b.Bytes())
	zw.Close()
	return z.Bytes()
}

// synthetic returns an in-memory dataset of n images of h x w x c with
// labels i % classes and distinct pixel patterns.
func synthetic(n, h, w, c, classes int) *Dataset {
	ds := &Dataset{Height: h, Width: w, Channels: c}
	for i := range n {
		for p := range h * w * c {
			ds.Pixels = append(ds.Pixels, uint8((p*7+i*13)%251))
		}
		ds.Labels = append(ds.Labels, int32(i%classes))
		ds.Sources = append(ds.Sources, "synthetic#"+string(rune('a'+i%26)))
	}
	for k := range classes {
		ds.Classes = append(ds.Classes, string(rune('A'+k)))
	}
	return ds
}
