package data

import (
	"image"
	"image/color"
)

// gifScreen is a GIF whose first frame is smaller than its logical
// screen, as PIL opens it (and so Keras sees it): an image of the
// screen's size (w x h), filled with the background color, with the
// frame (decoded at its own bounds fb, inside the screen; frame holds it
// from the origin, straight colors) copied in at its offset. Go's
// image/gif returns the frame alone, at its bounds. The background is
// the global color table's entry at the header's background index; with
// no such entry, opaque black.
func gifScreen(frame *image.RGBA, fb image.Rectangle, b []byte, w, h int) *image.RGBA {
	bg := gifBackground(b)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = bg.R, bg.G, bg.B, 255
	}
	fb = fb.Intersect(dst.Rect)
	for y := fb.Min.Y; y < fb.Max.Y; y++ {
		from := frame.Pix[(y-fb.Min.Y)*frame.Stride:]
		copy(dst.Pix[y*dst.Stride+4*fb.Min.X:y*dst.Stride+4*fb.Max.X], from[:4*fb.Dx()])
	}
	return dst
}

// gifBackground is the header's background color: the global color
// table's entry at the background index (black when the file has no
// global table or the index is past it).
func gifBackground(b []byte) color.NRGBA {
	if len(b) < 13 || b[10]&0x80 == 0 {
		return color.NRGBA{A: 255}
	}
	n := 1 << ((b[10] & 7) + 1)
	i := int(b[11])
	if i >= n || 13+3*i+2 >= len(b) {
		return color.NRGBA{A: 255}
	}
	at := 13 + 3*i
	return color.NRGBA{b[at], b[at+1], b[at+2], 255}
}
