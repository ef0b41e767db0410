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
		// Above 256 every pixel >= 1 saturates anyway; a factor beyond
		// float32 would be +Inf, and 0 × Inf a NaN pixel.
		fb := float32(min(b, 256))
		for i, v := range dst {
			dst[i] = min(255, max(0, v*fb))
		}
	}
}

// warp samples src at m·(r, c, 1) for every output pixel.
func warp(dst []float32, src []uint8, h, w, c int, m [6]float64, fill FillMode, cval float32) {
	for r := range h {
		// Input position of (r, 0); it moves by (m[1], m[4]) per column.
		pr := m[0]*float64(r) + m[2]
		pc := m[3]*float64(r) + m[5]
		out := dst[r*w*c : (r+1)*w*c]
		for col := range w {
			r0, r1, wr, okr := axisTaps(pr+m[1]*float64(col), h, fill)
			c0, c1, wc, okc := axisTaps(pc+m[4]*float64(col), w, fill)
			o := col * c
			if !okr || !okc {
				for k := range c {
					out[o+k] = cval
				}
				continue
			}
			i00, i01, i10, i11 := (r0*w+c0)*c, (r0*w+c1)*c, (r1*w+c0)*c, (r1*w+c1)*c
			w00, w01 := (1-wr)*(1-wc), (1-wr)*wc
			w10, w11 := wr*(1-wc), wr*wc
			if c == 1 {
				out[o] = w00*float32(src[i00]) + w01*float32(src[i01]) + w10*float32(src[i10]) + w11*float32(src[i11])
				continue
			}
			for k := range c {
				out[o+k] = w00*float32(src[i00+k]) + w01*float32(src[i01+k]) + w10*float32(src[i10+k]) + w11*float32(src[i11+k])
			}
		}
	}
}

// axisTaps returns the two pixels along an axis of n pixels that
// position x falls between, the weight of the second, and false when x is
// outside and the constant fill applies. Positions within 1e-6 of a pixel
// snap to it, so that exact rotations and flips copy pixels unchanged.
func axisTaps(x float64, n int, fill FillMode) (i0, i1 int, frac float32, ok bool) {
	const eps = 1e-9
	last := float64(n - 1)
	switch fill {
	case FillReflect, FillWrap:
		i0, f := splitPos(x)
		return extend(i0, n, fill), extend(i0+1, n, fill), float32(f), true
	case FillConstant:
		if x < -eps || x > last+eps {
			return 0, 0, 0, false
		}
	}
	// nearest (and constant inside the image): clamping replicates the edge.
	x = min(max(x, 0), last)
	i0, f := splitPos(x)
	return i0, min(i0+1, n-1), float32(f), true
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
