package data

import (
	"encoding/binary"
	"image"
)

// jpegOrientation reads the Exif orientation tag (0x0112) from the APP1
// segment of a JPEG file's head; 1 (as stored) when there is none or it is
// out of range. head may be cut short: what is missing counts as absent.
func jpegOrientation(head []byte) int {
	if len(head) < 4 || head[0] != 0xFF || head[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(head); {
		if head[i] != 0xFF {
			return 1
		}
		marker := head[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(head[i+2:]))
		if n < 2 {
			return 1
		}
		seg := head[i+4 : min(i+2+n, len(head))]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// pngOrientation reads the orientation from a PNG's eXIf chunk (before
// the image data, as the PNG specification places it); 1 when absent.
func pngOrientation(head []byte) int {
	for i := 8; i+8 <= len(head); {
		n := int64(binary.BigEndian.Uint32(head[i:]))
		typ := string(head[i+4 : i+8])
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		end := min(int64(i)+8+n, int64(len(head)))
		if typ == "eXIf" {
			t := head[i+8 : end]
			if len(t) >= 6 && string(t[:6]) == "Exif\x00\x00" {
				t = t[6:]
			}
			return max(tiffOrientation(t), 1)
		}
		if int64(i)+12+n > int64(len(head)) {
			break
		}
		i += 12 + int(n)
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in the first IFD of a TIFF-structured
// Exif block; 0 when absent or invalid.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[off:]))
	for e := range n {
		p := off + 2 + 12*e
		if p+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[p:]) != 0x0112 {
			continue
		}
		var v int
		switch bo.Uint16(t[p+2:]) {
		case 3: // SHORT
			v = int(bo.Uint16(t[p+8:]))
		case 4: // LONG
			v = int(bo.Uint32(t[p+8:]))
		}
		if v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orientationSwaps reports whether orientation o exchanges width and
// height (the transposing and quarter-turn ones, 5 to 8).
func orientationSwaps(o int) bool { return o >= 5 && o <= 8 }

// orient returns src (origin 0,0) turned upright for Exif orientation o,
// as PIL's ImageOps.exif_transpose does: 2 mirror, 3 half turn, 4 flip,
// 5 transpose, 6 quarter turn clockwise, 7 transverse, 8 quarter turn
// counter-clockwise. Orientation 1 (or any other value) returns src.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := sw, sh
	if orientationSwaps(o) {
		dw, dh = sh, sw
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = sw-1-x, y
			case 3:
				sx, sy = sw-1-x, sh-1-y
			case 4:
				sx, sy = x, sh-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, sh-1-x
			case 7:
				sx, sy = sw-1-y, sh-1-x
			case 8:
				sx, sy = sw-1-y, x
			}
			s := sy*src.Stride + 4*sx
			copy(dst.Pix[y*dst.Stride+4*x:y*dst.Stride+4*x+4], src.Pix[s:s+4])
		}
	}
	return dst
}
