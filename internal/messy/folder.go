package messy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// NonUTF8Class and NonUTF8File are names in Latin-1, not UTF-8.
const (
	NonUTF8Class = "\xe9t\xe9"   // "été"
	NonUTF8File  = "caf\xe9.png" // "café.png"
	EmptyClass   = "empty"
	BombFile     = "bomb.png"
)

// Files is the messy folder's content by slash-separated path under its
// root: a train/ and test/ layout with classes circle, square, été (not
// UTF-8) and an empty one; gray images with one gray+alpha PNG among
// them; every Exif orientation; transparent GIF and PNGs; a bomb; junk.
func Files() map[string][]byte {
	f := map[string][]byte{}
	for split, n := range map[string]int{"train": 6, "test": 2} {
		for c, class := range []string{"circle", "square", NonUTF8Class} {
			for i := range n {
				seed := 10*c + i
				if split == "test" {
					seed += 7 // no test image copies a training one
				}
				f[fmt.Sprintf("%s/%s/%d.png", split, class, i)] = PNG(Gray(24, 16, seed))
			}
		}
		f[split+"/"+EmptyClass+"/.keep"] = nil
	}
	f["train/circle/"+NonUTF8File] = PNG(Gray(24, 16, 99))
	f["train/square/gray-alpha.png"] = GrayAlphaPNG(24, 16, 5)
	for o := 1; o <= 8; o++ {
		f[fmt.Sprintf("train/circle/orientation-%d.jpg", o)] = WithOrientation(JPEG(Pattern()), o)
	}
	for _, o := range []int{3, 5, 6, 8} { // outside the splits: PIL's golden file
		f[fmt.Sprintf("orientation/png-%d.png", o)] = PNGWithOrientation(PNG(Pattern()), o)
	}
	f["train/square/transparent.gif"] = TransparentGIF()
	f["train/square/transparent.png"] = TransparentPNG()
	f["train/square/alpha.png"] = AlphaPNG()
	f["train/square/"+BombFile] = Bomb(100000, 100000)
	f["train/square/notes.txt"] = []byte("not an image\n")
	f["train/square/zero.jpg"] = []byte{}
	f["train/circle/cut.png"] = PNG(Gray(24, 16, 7))[:60]
	return f
}

// Write writes Files under dir.
func Write(dir string) error {
	for p, b := range Files() {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Seeds are the good images Mutate starts from, one per format.
func Seeds() map[string][]byte {
	return map[string][]byte{
		"png": PNG(Colorful(24, 16, 1)),
		"jpg": JPEG(Colorful(24, 16, 2)),
		"gif": TransparentGIF(),
		"bmp": BMP(Colorful(24, 16, 3)),
	}
}

// Mutate returns a copy of an encoded image with 1 to 4 header bytes
// changed (half of the time in the fields holding its size), and now and
// then cut short; the same r gives the same mutations.
func Mutate(b []byte, ext string, r *rand.Rand) []byte {
	out := bytes.Clone(b)
	dims := sizeField(out, ext)
	for range 1 + r.IntN(4) {
		var i int
		if len(dims) > 0 && r.IntN(2) == 0 {
			i = dims[r.IntN(len(dims))]
		} else {
			i = r.IntN(min(len(out), 256))
		}
		switch r.IntN(4) {
		case 0:
			out[i] ^= 1 << r.IntN(8)
		case 1:
			out[i] = byte(r.IntN(256))
		case 2:
			out[i] = 0xFF
		default:
			out[i] = 0
		}
	}
	// Half of the PNGs get their header checksum fixed, so that a changed
	// size reaches the decoder instead of failing the CRC.
	if ext == "png" && len(out) >= 33 && r.IntN(2) == 0 {
		binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	}
	if r.IntN(8) == 0 {
		out = out[:r.IntN(len(out))]
	}
	return out
}

// sizeField lists the byte offsets of an encoded image's width and height.
func sizeField(b []byte, ext string) []int {
	span := func(lo, n int) []int {
		var s []int
		for i := lo; i < lo+n && i < len(b); i++ {
			s = append(s, i)
		}
		return s
	}
	switch ext {
	case "png":
		return span(16, 8)
	case "gif":
		return span(6, 4)
	case "bmp":
		return span(18, 8)
	case "jpg":
		for i := 2; i+4 < len(b); {
			if b[i] != 0xFF {
				return nil
			}
			if b[i+1] == 0xC0 || b[i+1] == 0xC2 {
				return span(i+5, 4)
			}
			i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
		}
	}
	return nil
}
