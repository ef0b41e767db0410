// Package messy generates, deterministically, the image files real
// folders hold and that loaders get wrong: Exif-rotated phone photos,
// transparent GIFs and PNGs, gray+alpha PNGs, decompression bombs, names
// that are not UTF-8, empty class folders, junk; and header-mutated copies
// of good images for torture tests. It writes bytes itself where Go's
// encoders cannot (Exif segments, gray+alpha PNGs, bomb headers, stored
// colors under a GIF's transparent index).
package messy

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
)

// Pattern is a 24x16 gray image of six 8x8 cells of different levels, so
// that each of the eight Exif orientations gives a different picture.
func Pattern() *image.Gray {
	im := image.NewGray(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			im.SetGray(x, y, color.Gray{uint8(20 + 40*(x/8+3*(y/8)))})
		}
	}
	return im
}

// Colorful is a w x h RGB image whose pixels depend on seed.
func Colorful(w, h, seed int) *image.RGBA {
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			im.SetRGBA(x, y, color.RGBA{uint8(x*37 + seed*11), uint8(y*53 + seed*7), uint8((x + y) * 29), 255})
		}
	}
	return im
}

// Gray is a w x h gray image whose pixels depend on seed.
func Gray(w, h, seed int) *image.Gray {
	im := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			im.SetGray(x, y, color.Gray{uint8(x*31 + y*17 + seed*13)})
		}
	}
	return im
}

// PNG encodes im as PNG.
func PNG(im image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		panic(err) // in-memory encoding of our own images cannot fail
	}
	return b.Bytes()
}

// JPEG encodes im as JPEG at quality 100.
func JPEG(im image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, im, &jpeg.Options{Quality: 100}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// BMP encodes im as BMP.
func BMP(im image.Image) []byte {
	var b bytes.Buffer
	if err := bmp.Encode(&b, im); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF encodes a paletted image as GIF.
func GIF(im *image.Paletted) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, im, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// exifBlock is a big-endian TIFF-structured Exif block whose first IFD
// holds only the orientation tag.
func exifBlock(o int) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a\x00\x00\x00\x08") // big-endian, IFD0 at 8
	binary.Write(&tiff, binary.BigEndian, uint16(1))
	binary.Write(&tiff, binary.BigEndian, [4]uint16{0x0112, 3, 0, 1}) // tag, SHORT, count 1
	binary.Write(&tiff, binary.BigEndian, [2]uint16{uint16(o), 0})
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	return tiff.Bytes()
}

// PNGWithOrientation inserts an eXIf chunk holding orientation o after
// a PNG's header chunk.
func PNGWithOrientation(p []byte, o int) []byte {
	var b bytes.Buffer
	b.Write(p[:33]) // signature and IHDR
	data := exifBlock(o)
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString("eXIf")
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("eXIf"), data...)))
	b.Write(p[33:])
	return b.Bytes()
}

// WithOrientation inserts an Exif APP1 segment holding orientation o
// (1..8) right after a JPEG's start-of-image marker.
func WithOrientation(jpg []byte, o int) []byte {
	seg := append([]byte("Exif\x00\x00"), exifBlock(o)...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// RawPNG writes a PNG by hand: the header says w x h, colorType and depth
// 8, and rows (filter bytes included) are compressed as given, whatever
// their length. Go's encoder writes no gray+alpha and no lying headers.
func RawPNG(w, h uint32, colorType byte, rows []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, colorType
	chunk("IHDR", ihdr[:])
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(rows)
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// GrayAlphaPNG is a w x h gray+alpha PNG (color type 4): gray levels from
// seed, alpha 255 except a transparent first column.
func GrayAlphaPNG(w, h, seed int) []byte {
	var rows []byte
	for y := range h {
		rows = append(rows, 0)
		for x := range w {
			a := byte(255)
			if x == 0 {
				a = 0
			}
			rows = append(rows, byte(x*31+y*17+seed*13), a)
		}
	}
	return RawPNG(uint32(w), uint32(h), 4, rows)
}

// Bomb is a PNG of about 1.6 KB whose header declares w x h RGB pixels
// (100000 x 100000 is 30 GB decoded); its data stops after a few rows.
func Bomb(w, h uint32) []byte {
	return RawPNG(w, h, 2, make([]byte, 400000))
}

// TransparentPalette is the palette of the transparent fixtures: index 2
// is fully transparent but stores the color (10, 200, 30), which PIL's
// convert("RGB") keeps.
var TransparentPalette = color.Palette{
	color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}, color.NRGBA{10, 200, 30, 0}, color.NRGBA{250, 250, 250, 255},
}

func transparentPaletted() *image.Paletted {
	im := image.NewPaletted(image.Rect(0, 0, 6, 4), TransparentPalette)
	for y := range 4 {
		for x := range 6 {
			im.SetColorIndex(x, y, uint8((x+2*y)%4))
		}
	}
	return im
}

// TransparentGIF is a 6x4 GIF using TransparentPalette with index 2 as
// its transparent index, the color stored under it patched in (Go's
// encoder writes it black).
func TransparentGIF() []byte {
	b := GIF(transparentPaletted())
	if b[10]&0x80 == 0 {
		panic("messy: gif without a global color table")
	}
	copy(b[13+3*2:], []byte{10, 200, 30})
	return b
}

// TransparentPNG is the same picture as a paletted PNG with tRNS.
func TransparentPNG() []byte { return PNG(transparentPaletted()) }

// AlphaPNG is a 6x4 RGBA PNG whose fully transparent pixels store colors.
func AlphaPNG() []byte {
	im := image.NewNRGBA(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			im.SetNRGBA(x, y, color.NRGBA{uint8(40 * x), uint8(60 * y), 200, uint8(85 * ((x + y) % 4))})
		}
	}
	return PNG(im)
}
