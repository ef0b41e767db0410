package data

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"slices"

	// Decoders for every extension the folder loader accepts.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// ColorMode is the channel layout images are converted to, as Keras'
// color_mode.
type ColorMode string

const (
	// Auto picks Grayscale when every image is grayscale, else RGB.
	Auto      ColorMode = ""
	Grayscale ColorMode = "grayscale"
	RGB       ColorMode = "rgb"
	RGBA      ColorMode = "rgba"
)

// Channels is the number of channels of the mode (0 for Auto).
func (m ColorMode) Channels() int {
	switch m {
	case Grayscale:
		return 1
	case RGB:
		return 3
	case RGBA:
		return 4
	}
	return 0
}

// ColorModeOf is the mode with the given number of channels (1, 3 or 4),
// or Auto for any other count.
func ColorModeOf(channels int) ColorMode {
	switch channels {
	case 1:
		return Grayscale
	case 3:
		return RGB
	case 4:
		return RGBA
	}
	return Auto
}

// Interpolation is how images are resized to the target size, as Keras'
// interpolation argument.
type Interpolation string

const (
	// Nearest is Keras' default.
	Nearest  Interpolation = "nearest"
	Bilinear Interpolation = "bilinear"
	Bicubic  Interpolation = "bicubic"
)

func (ip Interpolation) scaler() (draw.Scaler, error) {
	switch ip {
	case "", Nearest:
		return draw.NearestNeighbor, nil
	case Bilinear:
		return draw.BiLinear, nil
	case Bicubic:
		return draw.CatmullRom, nil
	}
	return nil, fmt.Errorf("interpolation %q: want nearest, bilinear or bicubic", string(ip))
}

// maxImagePixels bounds the size a file may declare (64 megapixels), so
// that a corrupt or hostile header cannot exhaust memory.
const maxImagePixels = 1 << 26

// maxImageFileBytes bounds the bytes read from one image file.
const maxImageFileBytes = 1 << 30

// probeImage reads just the head of an image: its format, its size as
// shown (after the Exif orientation), the mode its pixels have and its
// orientation. It refuses sizes over maxImagePixels.
func probeImage(r io.Reader) (Original, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(1 << 16) // shorter at the end of the file
	head = slices.Clone(head)
	cfg, format, err := image.DecodeConfig(br)
	if err != nil {
		return Original{}, fmt.Errorf("not a decodable image: %w", err)
	}
	o := Original{Format: format, Width: cfg.Width, Height: cfg.Height, Mode: modeOfModel(cfg.ColorModel)}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return o, fmt.Errorf("image of %dx%d pixels", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return o, fmt.Errorf("image of %dx%d pixels, more than the %d this loader accepts", cfg.Width, cfg.Height, maxImagePixels)
	}
	switch format {
	case "jpeg":
		o.Orientation = jpegOrientation(head)
	case "png":
		o.Orientation = pngOrientation(head)
		// Gray with alpha decodes as NRGBA; its colors are gray. RGBA
		// (color type 6) holds an alpha channel even when every pixel
		// is opaque.
		if len(head) > 25 && string(head[12:16]) == "IHDR" {
			switch head[25] {
			case 4:
				o.Mode = string(Grayscale)
			case 6:
				o.Mode = string(RGBA)
			}
		}
	}
	if o.Orientation == 1 {
		o.Orientation = 0
	}
	if orientationSwaps(o.Orientation) {
		o.Width, o.Height = o.Height, o.Width
	}
	return o, nil
}

// modeOfModel guesses a file's mode from its color model: grayscale
// models and gray palettes are "grayscale", everything else "rgb" (alpha
// is only known once the pixels are decoded).
func modeOfModel(m color.Model) string {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return string(Grayscale)
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			r, g, b, a := c.RGBA()
			if r != g || g != b || a != 0xffff {
				return string(RGB)
			}
		}
		return string(Grayscale)
	}
	return string(RGB)
}

// DecodeImage is how cnnscope opens every image: it reads one encoded
// image from r (at most 1 GiB), checks the size its header declares
// against the pixel limit (64 megapixels) before any pixel is allocated,
// decodes it, turns it upright by its Exif orientation (JPEG APP1 or
// PNG eXIf, as PIL's exif_transpose), and returns it with what the file held. Transparent
// pixels keep their stored colors, as PIL's convert("RGB") does. A
// decoder panic on malformed input becomes an error.
func DecodeImage(r io.Reader) (image.Image, Original, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxImageFileBytes+1))
	if err != nil {
		return nil, Original{}, err
	}
	if len(b) > maxImageFileBytes {
		return nil, Original{}, fmt.Errorf("file larger than %d bytes", maxImageFileBytes)
	}
	img, o, err := decodeBytes(b)
	if err != nil {
		return nil, o, err
	}
	return img, o, nil
}

// decodeBytes decodes an encoded image held in b (see DecodeImage). The
// image is either the decoder's own, opaque and upright, or an
// *image.RGBA holding straight (non-premultiplied) colors and alpha.
func decodeBytes(b []byte) (img image.Image, o Original, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder failed on malformed data: %v", p)
		}
	}()
	if o, err = probeImage(bytes.NewReader(b)); err != nil {
		return nil, o, err
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, o, fmt.Errorf("decoding image: %w", err)
	}
	sb := src.Bounds()
	if sb.Empty() || int64(sb.Dx())*int64(sb.Dy()) > maxImagePixels {
		return nil, o, fmt.Errorf("image of %dx%d pixels", sb.Dx(), sb.Dy())
	}
	opaque := true
	if op, ok := src.(interface{ Opaque() bool }); ok && !op.Opaque() {
		o.Mode, opaque = string(RGBA), false
	}
	var raw color.Palette
	if o.Format == "gif" {
		raw = gifPalette(b)
		if screen := image.Rect(0, 0, o.Width, o.Height); sb != screen {
			return gifScreen(straightRGBA(src, raw), sb, b, o.Width, o.Height), o, nil
		}
	}
	if opaque && o.Orientation < 2 {
		return src, o, nil
	}
	return orient(straightRGBA(src, raw), o.Orientation), o, nil
}

// decodeInto reads one image file (DecodeImage) and writes it, resized to
// w x h and converted to mode, into dst (h*w*mode.Channels() bytes). It
// reports what the file held.
func decodeInto(r io.Reader, dst []uint8, h, w int, mode ColorMode, sc draw.Scaler) (Original, error) {
	src, o, err := DecodeImage(r)
	if err != nil {
		return o, err
	}
	resizeInto(dst, src, h, w, mode, sc)
	return o, nil
}

// resizeInto writes src resized to w x h and converted to mode into dst.
// Resizing into *image.RGBA takes x/image/draw's fast paths; an image
// with transparency arrives from DecodeImage as straight colors in an
// RGBA layout, so its channels are resized independently and keep their
// stored colors, as PIL's convert then resize does.
func resizeInto(dst []uint8, src image.Image, h, w int, mode ColorMode, sc draw.Scaler) {
	d := image.NewRGBA(image.Rect(0, 0, w, h))
	sc.Scale(d, d.Rect, src, src.Bounds(), draw.Src, nil)
	packPixels(dst, d.Pix, mode)
}

// packPixels converts 4-byte RGBA pixels into mode's layout. Gray uses
// ITU-R 601-2 luma with PIL's rounding: (19595 R + 38470 G + 7471 B +
// 0x8000) >> 16.
func packPixels(dst, rgba []uint8, mode ColorMode) {
	n := len(rgba) / 4
	switch mode {
	case Grayscale:
		for i := range n {
			p := rgba[4*i : 4*i+3 : 4*i+3]
			dst[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 0x8000) >> 16)
		}
	case RGB:
		for i := range n {
			copy(dst[3*i:3*i+3], rgba[4*i:4*i+3])
		}
	case RGBA:
		copy(dst, rgba)
	default:
		panic(fmt.Sprintf("data: packPixels with color mode %q", string(mode)))
	}
}
