package data

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"io"

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

// probeImage reads just the header of an image: its format, size and the
// mode its pixels have.
func probeImage(r io.Reader) (Original, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return Original{}, fmt.Errorf("not a decodable image: %w", err)
	}
	o := Original{Format: format, Width: cfg.Width, Height: cfg.Height, Mode: modeOfModel(cfg.ColorModel)}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return o, fmt.Errorf("image of %dx%d pixels", cfg.Width, cfg.Height)
	}
	if cfg.Width*cfg.Height > maxImagePixels {
		return o, fmt.Errorf("image of %dx%d pixels, more than the %d this loader accepts", cfg.Width, cfg.Height, maxImagePixels)
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

// decodeInto decodes one image file and writes it, resized to w x h and
// converted to mode, into dst (h*w*mode.Channels() bytes). It reports what
// the file held. A decoder panic on malformed input becomes an error.
func decodeInto(r io.Reader, dst []uint8, h, w int, mode ColorMode, sc draw.Scaler) (o Original, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed on malformed data: %v", p)
		}
	}()
	src, format, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return o, fmt.Errorf("decoding image: %w", err)
	}
	b := src.Bounds()
	o = Original{Format: format, Width: b.Dx(), Height: b.Dy(), Mode: modeOfModel(src.ColorModel())}
	if b.Dx()*b.Dy() > maxImagePixels || b.Empty() {
		return o, fmt.Errorf("image of %dx%d pixels", b.Dx(), b.Dy())
	}
	if op, ok := src.(interface{ Opaque() bool }); ok && !op.Opaque() {
		o.Mode = string(RGBA)
	}
	// Resizing into *image.RGBA takes x/image/draw's fast paths. Images
	// with transparency keep straight (non-premultiplied) colors, as PIL's
	// convert does, so they go through NRGBA.
	var pix []uint8
	if o.Mode == string(RGBA) {
		d := image.NewNRGBA(image.Rect(0, 0, w, h))
		sc.Scale(d, d.Rect, src, b, draw.Src, nil)
		pix = d.Pix
	} else {
		d := image.NewRGBA(image.Rect(0, 0, w, h))
		sc.Scale(d, d.Rect, src, b, draw.Src, nil)
		pix = d.Pix
	}
	packPixels(dst, pix, mode)
	return o, nil
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
