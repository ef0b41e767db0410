package faults

import (
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/data"
)

// The ninth held-out part's data generators ("ninth", issue 10 ninth
// round). They were written, with the ninth scenarios, before any
// detector or threshold of that round was changed, and draw images
// unlike every earlier part: gray handwritten numerals in a form's
// field at 28×28 (ten classes, the digit-like set), colour traffic
// lights at a street corner at 48×48 (five states), gray textile fibres
// under a microscope at 32×32 (straight or crimped, the two-class and
// imbalanced set) and gray printed music notes on a staff at a wide
// 32×44 (six note values).

// NumeralClasses are the digits Numerals can write.
var NumeralClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// LampClasses are the traffic-light states Lamps can draw: red lit, amber
// lit, green lit, red and amber lit, none lit.
var LampClasses = []string{"stop", "caution", "go", "prepare", "dark"}

// FibreClasses are the fibre kinds Fibres can draw.
var FibreClasses = []string{"straight", "crimped"}

// NoteClasses are the note values Notes can print.
var NoteClasses = []string{"whole", "half", "quarter", "eighth", "sixteenth", "beamed"}

// NoteHeight and NoteWidth are the notes' (wide) size.
const NoteHeight, NoteWidth = 32, 44

// numeralStrokes are each digit's pen strokes, as control points in a
// box from -1 to 1, y down.
var numeralStrokes = map[string][][][2]float64{
	"0": {arcPoints(0, 0, 0.5, 0.82, -90, 270, 10)},
	"1": {{{-0.35, -0.5}, {0.08, -0.85}, {0.08, 0.85}}},
	"2": {{{-0.5, -0.45}, {-0.1, -0.85}, {0.42, -0.62}, {0.35, -0.1}, {-0.55, 0.8}, {0.6, 0.8}}},
	"3": {{{-0.5, -0.7}, {0.1, -0.88}, {0.45, -0.5}, {0.02, -0.05}}, {{0.02, -0.05}, {0.5, 0.3}, {0.2, 0.82}, {-0.5, 0.66}}},
	"4": {{{0.22, 0.88}, {0.22, -0.85}, {-0.55, 0.32}, {0.62, 0.32}}},
	"5": {{{0.5, -0.82}, {-0.35, -0.82}, {-0.45, -0.05}}, {{-0.45, -0.05}, {0.2, -0.22}, {0.52, 0.25}, {0.2, 0.8}, {-0.5, 0.66}}},
	"6": {{{0.42, -0.85}, {-0.28, -0.42}, {-0.5, 0.35}, {-0.08, 0.84}, {0.42, 0.55}, {0.3, 0.08}, {-0.45, 0.22}}},
	"7": {{{-0.55, -0.8}, {0.58, -0.8}, {-0.1, 0.88}}},
	"8": {arcPoints(0, -0.45, 0.36, 0.38, 90, 450, 8), arcPoints(0, 0.42, 0.46, 0.42, -90, 270, 8)},
	"9": {arcPoints(0, -0.42, 0.44, 0.4, 0, 360, 8), {{0.44, -0.42}, {0.36, 0.3}, {0.05, 0.88}}},
}

// Numerals draws gray handwritten digits as scanned from a form: the
// digit's strokes jittered, slanted, turned, scaled and shifted
// (Catmull-Rom curves, a random pen width), dark ink on light paper with
// a gradient; on a third of the images the field's box lines show, on a
// third a printed baseline, and on a quarter a fragment of the
// neighbouring field's digit at the left or right edge; with noise.
// 28×28 by default.
func Numerals(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("numerals", NumeralClasses, 28, 0.05); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0x9a7e1, func(rng *rand.Rand, name string) []uint8 {
		segs := handSegments(rng, numeralStrokes[name], s)
		if rng.IntN(4) == 0 { // the neighbour's digit, cut by the frame
			other := handSegments(rng, numeralStrokes[NumeralClasses[rng.IntN(10)]], s)
			dx := s * (0.85 + 0.1*rng.Float64())
			if rng.IntN(2) == 0 {
				dx = -dx
			}
			for _, g := range other {
				segs = append(segs, [4]float64{g[0] + dx, g[1], g[2] + dx, g[3]})
			}
		}
		frame, line := rng.IntN(3), s*(0.88+0.08*rng.Float64())
		width := 1.0 + 1.5*rng.Float64()
		paper, ink := 180+70*rng.Float64(), 10+90*rng.Float64()
		gx, gy := 40*(rng.Float64()-0.5), 40*(rng.Float64()-0.5)
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				bg := paper + gx*(px/s-0.5) + gy*(py/s-0.5)
				switch {
				case frame == 0 && (px < 1.5 || px > s-1.5 || py < 1.5 || py > s-1.5):
					bg -= 60
				case frame == 1 && math.Abs(py-line) < 0.6:
					bg -= 45
				}
				cover := min(max(width/2+0.5-segmentsDistance(segs, px, py), 0), 1)
				img[y*n+x] = clamp8(bg + cover*(ink-bg) + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// lampLit says which of the red, amber and green lamps the state lights.
func lampLit(name string) [3]bool {
	switch name {
	case "stop":
		return [3]bool{true, false, false}
	case "caution":
		return [3]bool{false, true, false}
	case "go":
		return [3]bool{false, false, true}
	case "prepare":
		return [3]bool{true, true, false}
	}
	return [3]bool{}
}

// lampScene is the street behind the light: sky above a skyline, day or
// dusk, with uneven light.
func lampScene(rng *rand.Rand, s float64) func(x, y float64) [3]float64 {
	sky, ground := jitterColor(rng, [3]float64{150, 185, 225}, 30), jitterColor(rng, [3]float64{95, 90, 85}, 25)
	if rng.IntN(3) == 0 {
		sky, ground = jitterColor(rng, [3]float64{60, 55, 95}, 20), jitterColor(rng, [3]float64{35, 35, 40}, 15)
	}
	roofs, light := lowFreq(rng, 8, 20), lowFreq(rng, 20, 60)
	horizon := s * (0.45 + 0.3*rng.Float64())
	return func(x, y float64) [3]float64 {
		c := sky
		if y > horizon+6*roofs(x, 0) {
			c = ground
		}
		return mix(c, [3]float64{255, 255, 255}, 0.05*light(x, y))
	}
}

// Lamps draws colour photographs of a traffic light: a dark housing on
// a pole (upright, or on a quarter of the images lying, red on the
// left), at a random place and size, over a street; the lit lamps bright
// with a glow, the others dim, one of them sometimes catching the sun;
// with noise. 48×48 by default.
func Lamps(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("lamps", LampClasses, 48, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	colours := [3][3]float64{{225, 35, 30}, {245, 165, 20}, {40, 210, 110}}
	return drawClasses(o, n, n, 3, 0x1a395, func(rng *rand.Rand, name string) []uint8 {
		scene, lit := lampScene(rng, s), lampLit(name)
		r := s * (0.06 + 0.035*rng.Float64())
		cx, cy := s*(0.3+0.4*rng.Float64()), s*(0.3+0.4*rng.Float64())
		lying := rng.IntN(4) == 0
		var lamps [3][3]float64 // x, y, brightness
		sun := rng.IntN(3)
		for i := range lamps {
			d := float64(i-1) * 2.6 * r
			lamps[i] = [3]float64{cx, cy + d, 0.22 + 0.1*rng.Float64()}
			if lying {
				lamps[i] = [3]float64{cx + d, cy, lamps[i][2]}
			}
			if lit[i] {
				lamps[i][2] = 0.85 + 0.15*rng.Float64()
			} else if i == sun && rng.IntN(3) == 0 {
				lamps[i][2] = 0.45
			}
		}
		hw, hh := 1.5*r, 4.1*r
		if lying {
			hw, hh = hh, hw
		}
		body := jitterColor(rng, [3]float64{35, 38, 35}, 15)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := scene(px, py)
				c = mix(c, [3]float64{70, 70, 70}, soft(math.Abs(px-cx)-0.12*r)*soft(cy-py)) // the pole
				c = mix(c, body, soft(math.Abs(px-cx)-hw)*soft(math.Abs(py-cy)-hh))
				for i, l := range lamps {
					dist := math.Hypot(px-l[0], py-l[1])
					if lit[i] {
						c = mix(c, colours[i], 0.35*math.Exp(-sq((dist-r)/r))) // the glow
					}
					c = mix(c, mix([3]float64{20, 20, 20}, colours[i], l[2]), soft(dist-r))
				}
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// fibrePath is one fibre across an s×s field: a slowly bending path,
// crimped fibres with a regular wave across it.
func fibrePath(rng *rand.Rand, crimped bool, s float64) [][4]float64 {
	a := 2 * math.Pi * rng.Float64()
	x, y := s*rng.Float64()-0.8*s*math.Cos(a), s*rng.Float64()-0.8*s*math.Sin(a)
	amp, period, phase := 1.5+1.0*rng.Float64(), 5+3*rng.Float64(), 2*math.Pi*rng.Float64()
	var segs [][4]float64
	px, py := x, y
	for t := 0.0; t < 1.8*s; t += 0.8 {
		a += 0.03 * rng.NormFloat64()
		x, y = x+0.8*math.Cos(a), y+0.8*math.Sin(a)
		off := 0.0
		if crimped {
			off = amp * math.Sin(2*math.Pi*t/period+phase)
		}
		nx, ny := x-off*math.Sin(a), y+off*math.Cos(a)
		if t > 0 {
			segs = append(segs, [4]float64{px, py, nx, ny})
		}
		px, py = nx, ny
	}
	return segs
}

// Fibres draws gray micrographs of textile fibres: two or three fibres
// crossing the field, all straight, or all crimped (a wave of random
// amplitude and period across the fibre), of random thickness, bright
// on a dark vignetted field (darkfield), on a quarter of the images dark
// on a bright one, with dust and noise. 32×32 by default.
func Fibres(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("fibres", FibreClasses, 32, 0.05); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xf1b7e, func(rng *rand.Rand, name string) []uint8 {
		var segs [][4]float64
		for i := 0; i < 2+rng.IntN(2); i++ {
			crimped := name == "crimped"
			segs = append(segs, fibrePath(rng, crimped, s)...)
		}
		field, fibre := 20+40*rng.Float64(), 160+60*rng.Float64()
		if rng.IntN(4) == 0 {
			field, fibre = 200+40*rng.Float64(), 40+60*rng.Float64()
		}
		width, light := 0.6+0.6*rng.Float64(), lowFreq(rng, 10, 25)
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := field*(1-0.25*sq(math.Hypot(px-s/2, py-s/2)/s)) + 8*light(px, py)
				c += (fibre - c) * soft(segmentsDistance(segs, px, py)-width)
				if rng.IntN(120) == 0 {
					c = fibre
				}
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// noteMarks are a note's printed marks on a staff whose lines start at
// top and lie sp apart: strokes (x0, y0, x1, y1, half width) and heads
// (x, y, filled 0 or 1, size).
func noteMarks(rng *rand.Rand, name string, top, sp, w float64) (strokes [][5]float64, heads [][4]float64) {
	step := -2 + rng.IntN(13) // half spaces above the bottom line
	at := func(k int) float64 { return top + 4*sp - float64(k)*sp/2 }
	hx := w/2 + 8*(rng.Float64()-0.5)
	filled, size := 1.0, 1.0
	switch name {
	case "whole":
		return nil, [][4]float64{{hx, at(step), 0, 1.25}}
	case "half":
		filled = 0
	case "beamed":
		hx -= 5
	}
	up, stem := step < 4, 3.4*sp
	sx, dir := hx+0.62*sp, -1.0
	if !up {
		sx, dir = hx-0.62*sp, 1
	}
	heads = [][4]float64{{hx, at(step), filled, size}}
	end := at(step) + dir*stem
	strokes = [][5]float64{{sx, at(step), sx, end, 0.45}}
	if name == "beamed" {
		k2 := min(max(step+rng.IntN(5)-2, -2), 10)
		heads = append(heads, [4]float64{hx + 10, at(k2), 1, 1})
		end2 := min(end, at(k2)+dir*stem)
		if !up {
			end2 = max(end, at(k2)+dir*stem)
		}
		strokes = [][5]float64{{sx, at(step), sx, end2, 0.45}, {sx + 10, at(k2), sx + 10, end2, 0.45}, {sx, end2, sx + 10, end2, 0.9}}
		return strokes, heads
	}
	flags := map[string]int{"eighth": 1, "sixteenth": 2}[name]
	for f := 0; f < flags; f++ {
		y := end - dir*float64(f)*1.1*sp
		strokes = append(strokes, [5]float64{sx, y, sx + 0.9*sp, y - dir*1.2*sp, 0.6}, [5]float64{sx + 0.9*sp, y - dir*1.2*sp, sx + 0.8*sp, y - dir*2.2*sp, 0.5})
	}
	return strokes, heads
}

// Notes prints gray music notes on a five-line staff: the note value's
// head (hollow or filled), stem (up or down by its place) and flags, or
// two beamed notes, at a random pitch (ledger lines beyond the staff), a
// random staff spacing and place, sometimes with a bar line or a sharp
// beside it, ink on toned paper with noise. 32×44 (wide) by default;
// Size sets the height, the width is 11/8 of it.
func Notes(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("notes", NoteClasses, NoteHeight, 0.04); err != nil {
		return nil, err
	}
	h := o.Size
	w := h * NoteWidth / NoteHeight
	sh, sw := float64(h), float64(w)
	return drawClasses(o, h, w, 1, 0x0be75, func(rng *rand.Rand, name string) []uint8 {
		sp := 4 + 0.8*rng.Float64()
		top := sh/2 - 2*sp + 3*(rng.Float64()-0.5)
		strokes, heads := noteMarks(rng, name, top, sp, sw)
		for i := 0; i < 5; i++ {
			y := top + float64(i)*sp
			strokes = append(strokes, [5]float64{-1, y, sw + 1, y, 0.25})
		}
		for _, hd := range heads { // ledger lines
			if hd[1] < top-0.9*sp || hd[1] > top+4.9*sp {
				y := top - sp
				if hd[1] > top {
					y = top + 5*sp
				}
				strokes = append(strokes, [5]float64{hd[0] - 1.3*sp, y, hd[0] + 1.3*sp, y, 0.25})
			}
		}
		if rng.IntN(3) == 0 { // a bar line near an edge
			x := 2 + 3*rng.Float64()
			if rng.IntN(2) == 0 {
				x = sw - x
			}
			strokes = append(strokes, [5]float64{x, top, x, top + 4*sp, 0.35})
		}
		if rng.IntN(4) == 0 { // a sharp before the first head
			x, y := heads[0][0]-2.4*sp, heads[0][1]
			strokes = append(strokes, [5]float64{x - 0.4*sp, y - 1.2*sp, x - 0.4*sp, y + 1.2*sp, 0.2}, [5]float64{x + 0.4*sp, y - 1.3*sp, x + 0.4*sp, y + 1.1*sp, 0.2},
				[5]float64{x - 0.8*sp, y - 0.3*sp, x + 0.8*sp, y - 0.6*sp, 0.4}, [5]float64{x - 0.8*sp, y + 0.5*sp, x + 0.8*sp, y + 0.2*sp, 0.4})
		}
		paper, ink := 200+50*rng.Float64(), 10+60*rng.Float64()
		light := lowFreq(rng, 15, 40)
		sin, cos := math.Sincos(-0.35)
		img := make([]uint8, h*w)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				cover := 0.0
				for _, st := range strokes {
					cover = max(cover, soft(segmentsDistance([][4]float64{{st[0], st[1], st[2], st[3]}}, px, py)-st[4]))
				}
				for _, hd := range heads {
					u, v := cos*(px-hd[0])+sin*(py-hd[1]), -sin*(px-hd[0])+cos*(py-hd[1])
					rx, ry := 0.8*sp*hd[3], 0.6*sp*hd[3]
					d := (math.Hypot(u/rx, v/ry) - 1) * ry
					if hd[2] == 0 {
						d = math.Abs(d+0.5) - 0.5*hd[3]
					}
					cover = max(cover, soft(d))
				}
				c := paper + 8*light(px, py)
				img[y*w+x] = clamp8(c + (ink-c)*cover + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}
