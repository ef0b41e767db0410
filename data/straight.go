package data

import (
	"image"
	"image/color"
	"image/draw"
)

// straightRGBA copies src into an *image.RGBA whose bytes are the stored,
// non-premultiplied colors and alpha, as PIL keeps them: a fully
// transparent pixel keeps its color instead of becoming black. The result
// is only a byte layout (draw's RGBA paths then treat the four channels
// independently), not a premultiplied image. rawPalette, when not nil,
// replaces the entries a GIF decoder blanked for the transparent index.
func straightRGBA(src image.Image, rawPalette color.Palette) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	switch s := src.(type) {
	case *image.NRGBA:
		for y := range h {
			o := s.PixOffset(b.Min.X, b.Min.Y+y)
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], s.Pix[o:o+4*w])
		}
	case *image.NRGBA64:
		for y := range h {
			o := s.PixOffset(b.Min.X, b.Min.Y+y)
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for i := range row {
				row[i] = s.Pix[o+2*i] // high byte, as PIL reads 16-bit PNGs
			}
		}
	case *image.Paletted:
		lut := straightPalette(s.Palette, rawPalette)
		for y := range h {
			o := s.PixOffset(b.Min.X, b.Min.Y+y)
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x, k := range s.Pix[o : o+w] {
				copy(row[4*x:4*x+4], lut[k][:])
			}
		}
	default:
		if op, ok := src.(interface{ Opaque() bool }); ok && op.Opaque() {
			draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
			break
		}
		for y := range h {
			for x := range w {
				c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				copy(dst.Pix[y*dst.Stride+4*x:], []uint8{c.R, c.G, c.B, c.A})
			}
		}
	}
	return dst
}

// straightPalette turns a palette into 256 straight RGBA entries (missing
// ones black and opaque, as PIL pads palettes). An entry the GIF decoder
// blanked to transparent black takes its color from rawPalette.
func straightPalette(p, rawPalette color.Palette) *[256][4]uint8 {
	var lut [256][4]uint8
	for i := range lut {
		lut[i] = [4]uint8{0, 0, 0, 255}
	}
	for i, c := range p[:min(len(p), 256)] {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		if n == (color.NRGBA{}) && i < len(rawPalette) {
			r := color.NRGBAModel.Convert(rawPalette[i]).(color.NRGBA)
			n = color.NRGBA{R: r.R, G: r.G, B: r.B}
		}
		lut[i] = [4]uint8{n.R, n.G, n.B, n.A}
	}
	return &lut
}

// gifPalette returns the color table of a GIF file's first frame (its
// local table, else the global one), as stored; nil when b is not a GIF
// or the table cannot be found.
func gifPalette(b []byte) color.Palette {
	if len(b) < 13 || (string(b[:6]) != "GIF87a" && string(b[:6]) != "GIF89a") {
		return nil
	}
	table := func(at int, flags byte) (color.Palette, int) {
		if flags&0x80 == 0 {
			return nil, at
		}
		n := 1 << ((flags & 7) + 1)
		if at+3*n > len(b) {
			return nil, len(b)
		}
		p := make(color.Palette, n)
		for i := range n {
			p[i] = color.NRGBA{b[at+3*i], b[at+3*i+1], b[at+3*i+2], 255}
		}
		return p, at + 3*n
	}
	global, i := table(13, b[10])
	for i < len(b) {
		switch b[i] {
		case 0x21: // extension: label, then sub-blocks up to a 0 size
			i += 2
			for i < len(b) && b[i] != 0 {
				i += int(b[i]) + 1
			}
			i++
		case 0x2C: // image descriptor
			if i+10 > len(b) {
				return global
			}
			if local, _ := table(i+10, b[i+9]); local != nil {
				return local
			}
			return global
		default:
			return global
		}
	}
	return global
}
