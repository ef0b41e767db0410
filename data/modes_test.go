package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// opaqueRGBAPNG encodes a w x h PNG of color type 6 (RGBA) whose pixels
// are all opaque (Go's encoder would write such an image as RGB).
func opaqueRGBAPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	var raw bytes.Buffer
	for y := range h {
		raw.WriteByte(0)
		for x := range w {
			raw.Write([]byte{uint8(10 * x), uint8(20 * y), 90, 255})
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// An RGBA PNG counts as "rgba" even when every pixel is opaque (stranger
// trial: 10 such files were counted as rgb).
func TestOpaqueRGBAPNGIsRGBA(t *testing.T) {
	_, o, err := DecodeImage(bytes.NewReader(opaqueRGBAPNG(t, 6, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if o.Mode != string(RGBA) || o.Width != 6 || o.Height != 5 {
		t.Errorf("original %+v, want mode rgba 6x5", o)
	}
}

// data inspect's file modes line says how files of another mode than
// the stored one were converted.
func TestModesConverted(t *testing.T) {
	got := modesConverted(map[string]int{"rgb": 280, "grayscale": 10, "rgba": 10}, 3)
	for _, want := range []string{"stored as rgb", "rgba's alpha channel dropped", "grayscale copied into 3 channels"} {
		if !strings.Contains(got, want) {
			t.Errorf("modesConverted = %q, want %q in it", got, want)
		}
	}
	if got := modesConverted(map[string]int{"rgb": 5}, 3); got != "" {
		t.Errorf("all rgb stored as rgb: %q, want none", got)
	}
	if got := modesConverted(map[string]int{"rgb": 5, "grayscale": 2}, 1); !strings.Contains(got, "stored as grayscale: rgb converted to gray") {
		t.Errorf("rgb stored as grayscale: %q", got)
	}
}
