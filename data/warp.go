package data

import (
	"fmt"
	"math"
)

// ApplyTransform writes src (an h x w x c uint8 image) transformed by t
// into dst as float32 values on the 0..255 scale, with bilinear
// interpolation (scipy's order=1, as Keras) and the given fill mode and
// constant. Brightness is applied last and clipped to 0..255.
func ApplyTransform(dst []float32, src []uint8, h, w, c int, t Transform, fill FillMode, cval float32) {
	if len(src) != h*w*c || len(dst) != len(src) {
		panic(fmt.Sprintf("data: ApplyTransform of a %dx%dx%d image with %d source bytes into %d floats", h, w, c, len(src), len(dst)))
	}
	m, identity := t.affine(h, w)
	if identity {
		for i, v := range src {
			dst[i] = float32(v)
		}
	} else {
		warp(dst, src, h, w, c, m, fill, cval)
	}
	if b := t.Brightness; b != 0 && b != 1 {
		fb := float32(b)
		for i, v := range dst {
			dst[i] = min(255, max(0, v*fb))
		}
	}
}

// warp samples src at m·(r, c, 1) for every output pixel.
func warp(dst []float32, src []uint8, h, w, c int, m [6]float64, fill FillMode, cval float32) {
	const eps = 1e-9
	hf, wf := float64(h-1), float64(w-1)
	for r := range h {
		// Input position of (r, 0); it moves by (m[1], m[4]) per column.
		pr := m[0]*float64(r) + m[2]
		pc := m[3]*float64(r) + m[5]
		out := dst[r*w*c : (r+1)*w*c]
		for col := range w {
			fr := pr + m[1]*float64(col)
			fc := pc + m[4]*float64(col)
			o := out[col*c : col*c+c]
			var r0, r1, c0, c1 int
			var wr, wc float64
			switch fill {
			case FillConstant:
				if fr < -eps || fr > hf+eps || fc < -eps || fc > wf+eps {
					for k := range o {
						o[k] = cval
					}
					continue
				}
				fr, fc = min(max(fr, 0), hf), min(max(fc, 0), wf)
				r0, wr = splitPos(fr)
				c0, wc = splitPos(fc)
				r1, c1 = min(r0+1, h-1), min(c0+1, w-1)
			case FillReflect, FillWrap:
				r0, wr = splitPos(fr)
				c0, wc = splitPos(fc)
				r0, r1 = extend(r0, h, fill), extend(r0+1, h, fill)
				c0, c1 = extend(c0, w, fill), extend(c0+1, w, fill)
			default: // nearest: clamping the position replicates the edge
				fr, fc = min(max(fr, 0), hf), min(max(fc, 0), wf)
				r0, wr = splitPos(fr)
				c0, wc = splitPos(fc)
				r1, c1 = min(r0+1, h-1), min(c0+1, w-1)
			}
			if wr == 0 && wc == 0 {
				p := src[(r0*w+c0)*c:]
				for k := range o {
					o[k] = float32(p[k])
				}
				continue
			}
			w00 := float32((1 - wr) * (1 - wc))
			w01 := float32((1 - wr) * wc)
			w10 := float32(wr * (1 - wc))
			w11 := float32(wr * wc)
			p00, p01 := src[(r0*w+c0)*c:], src[(r0*w+c1)*c:]
			p10, p11 := src[(r1*w+c0)*c:], src[(r1*w+c1)*c:]
			for k := range o {
				o[k] = w00*float32(p00[k]) + w01*float32(p01[k]) + w10*float32(p10[k]) + w11*float32(p11[k])
			}
		}
	}
}

// splitPos splits a position into its integer part and the weight of the
// next pixel; positions within 1e-6 of an integer snap to it, so that
// exact rotations and flips copy pixels unchanged.
func splitPos(x float64) (int, float64) {
	f := math.Floor(x)
	frac := x - f
	if frac < 1e-6 {
		return int(f), 0
	}
	if frac > 1-1e-6 {
		return int(f) + 1, 0
	}
	return int(f), frac
}

// extend maps index i into [0, n) for the reflect (half-sample symmetric,
// dcba|abcd|dcba) and wrap (abcd|abcd|abcd) fill modes.
func extend(i, n int, fill FillMode) int {
	if i >= 0 && i < n {
		return i
	}
	if fill == FillWrap {
		i %= n
		if i < 0 {
			i += n
		}
		return i
	}
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}
