package faults

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
)

// The third held-out part's data generators ("fresh", issue 10 third
// round). They were written, with the fresh scenarios, before any
// detector or threshold of that round was changed, and draw images unlike
// every earlier part: gray handwriting-like pen-stroke letters (28×28),
// colour "cells under a microscope" (40×40), colour satellite-like
// terrain patches (64×64) and colour flags at a non-square size (36×52).

// StrokeClasses are the letters Strokes can write. c and o, and e and l
// (the same strokes but two), are the close pairs.
var StrokeClasses = []string{"a", "c", "e", "h", "k", "l", "o", "s", "t", "z"}

// CellClasses are the cells Cells can draw: a filled cell with a nucleus,
// a hollow ring (membrane only), a dividing pair and a granular cell.
var CellClasses = []string{"blob", "ring", "pair", "granular"}

// TerrainClasses are the land covers Terrain can draw.
var TerrainClasses = []string{"water", "forest", "field", "road"}

// FlagClasses are the flag layouts Flags can draw. vertical3 and
// horizontal3 share their colours and differ only in orientation.
var FlagClasses = []string{"vertical3", "horizontal3", "cross", "saltire", "disc", "triangle"}

// FlagHeight and FlagWidth are the flags' (non-square) size.
const FlagHeight, FlagWidth = 36, 52

// arcPoints are n+1 points on an ellipse from angle a0 to a1 (degrees).
func arcPoints(cx, cy, rx, ry, a0, a1 float64, n int) [][2]float64 {
	out := make([][2]float64, n+1)
	for i := range out {
		a := (a0 + (a1-a0)*float64(i)/float64(n)) * math.Pi / 180
		out[i] = [2]float64{cx + rx*math.Cos(a), cy + ry*math.Sin(a)}
	}
	return out
}

// strokeLetters are each letter's pen strokes, as control points in a box
// from -1 to 1, y down.
var strokeLetters = map[string][][][2]float64{
	"a": {{{-0.6, 0.8}, {0, -0.8}, {0.6, 0.8}}, {{-0.32, 0.18}, {0.32, 0.18}}},
	"c": {arcPoints(0, 0, 0.55, 0.8, 40, 320, 8)},
	"e": {{{0.55, -0.8}, {-0.5, -0.8}, {-0.5, 0.8}, {0.55, 0.8}}, {{-0.5, 0}, {0.35, 0}}},
	"h": {{{-0.55, -0.8}, {-0.55, 0.8}}, {{0.55, -0.8}, {0.55, 0.8}}, {{-0.55, 0}, {0.55, 0}}},
	"k": {{{-0.5, -0.8}, {-0.5, 0.8}}, {{0.55, -0.8}, {-0.5, 0.15}}, {{-0.15, -0.15}, {0.6, 0.8}}},
	"l": {{{-0.45, -0.8}, {-0.45, 0.8}, {0.55, 0.8}}},
	"o": {arcPoints(0, 0, 0.55, 0.8, 0, 360, 10)},
	"s": {{{0.5, -0.6}, {0.1, -0.85}, {-0.45, -0.55}, {-0.2, -0.08}, {0.3, 0.1}, {0.5, 0.5}, {0.05, 0.85}, {-0.5, 0.6}}},
	"t": {{{-0.65, -0.8}, {0.65, -0.8}}, {{0, -0.8}, {0, 0.85}}},
	"z": {{{-0.55, -0.8}, {0.55, -0.8}, {-0.55, 0.8}, {0.6, 0.8}}},
}

// Strokes writes gray letters as a hand would: every control point moved
// a little, the letter slanted, turned, scaled and shifted, the strokes
// smoothed into curves (Catmull-Rom) and drawn with a random pen width,
// dark ink on light paper with a gradient and grain. 28×28 by default.
func Strokes(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("strokes", StrokeClasses, 28, 0.04); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x57a0e))
	n := o.Size
	s := float64(n)
	ds := &data.Dataset{Height: n, Width: n, Channels: 1, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			segs := handSegments(rng, strokeLetters[name], s)
			width := 1.1 + 1.4*rng.Float64()
			paper, ink := 190+60*rng.Float64(), 10+80*rng.Float64()
			gx, gy := 30*(rng.Float64()-0.5), 30*(rng.Float64()-0.5)
			img := make([]uint8, n*n)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					px, py := float64(x)+0.5, float64(y)+0.5
					cover := min(max(width/2+0.5-segmentsDistance(segs, px, py), 0), 1)
					bg := paper + gx*(px/s-0.5) + gy*(py/s-0.5)
					img[y*n+x] = clamp8(bg + cover*(ink-bg) + 255*o.Noise*rng.NormFloat64())
				}
			}
			ds.Pixels = append(ds.Pixels, img...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// handSegments jitters, slants and places a letter's strokes in an s×s
// image and returns them as short line segments.
func handSegments(rng *rand.Rand, strokes [][][2]float64, s float64) [][4]float64 {
	slant := 0.35 * (rng.Float64() - 0.5)
	turn := (rng.Float64() - 0.5) * math.Pi / 9
	scale := s / 2 * (0.6 + 0.25*rng.Float64())
	aspect := 0.8 + 0.4*rng.Float64()
	cx, cy := s/2+s*0.12*(rng.Float64()-0.5), s/2+s*0.12*(rng.Float64()-0.5)
	sin, cos := math.Sincos(turn)
	var segs [][4]float64
	for _, st := range strokes {
		pts := make([][2]float64, len(st))
		for j, p := range st {
			x, y := p[0]+0.07*rng.NormFloat64(), p[1]+0.07*rng.NormFloat64()
			x = aspect * (x - slant*y)
			pts[j] = [2]float64{cx + scale*(cos*x-sin*y), cy + scale*(sin*x+cos*y)}
		}
		curve := catmullRom(pts, 4)
		for j := 1; j < len(curve); j++ {
			segs = append(segs, [4]float64{curve[j-1][0], curve[j-1][1], curve[j][0], curve[j][1]})
		}
	}
	return segs
}

// catmullRom samples a Catmull-Rom curve through pts, sub points per span.
func catmullRom(pts [][2]float64, sub int) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	at := func(i int) [2]float64 { return pts[min(max(i, 0), len(pts)-1)] }
	out := [][2]float64{pts[0]}
	for i := 0; i+1 < len(pts); i++ {
		p0, p1, p2, p3 := at(i-1), at(i), at(i+1), at(i+2)
		for k := 1; k <= sub; k++ {
			t := float64(k) / float64(sub)
			t2, t3 := t*t, t*t*t
			var q [2]float64
			for c := 0; c < 2; c++ {
				q[c] = 0.5 * (2*p1[c] + (p2[c]-p0[c])*t + (2*p0[c]-5*p1[c]+4*p2[c]-p3[c])*t2 + (3*p1[c]-p0[c]-3*p2[c]+p3[c])*t3)
			}
			out = append(out, q)
		}
	}
	return out
}

// Cells draws colour micrographs: a stained background with blotches and
// debris, and one cell of the class (stain colour, size, elongation and
// position random), with noise. 40×40 by default.
func Cells(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("cells", CellClasses, 40, 0.04); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xce115))
	n := o.Size
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			ds.Pixels = append(ds.Pixels, cellImage(rng, name, n, o.Noise)...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// cell is an ellipse: centre, radii and angle.
type cell struct{ cx, cy, rx, ry, sin, cos float64 }

// r is (x, y)'s elliptical radius: 1 on the cell's edge.
func (c cell) r(x, y float64) float64 {
	dx, dy := x-c.cx, y-c.cy
	u, v := c.cos*dx+c.sin*dy, -c.sin*dx+c.cos*dy
	return math.Hypot(u/c.rx, v/c.ry)
}

func randCell(rng *rand.Rand, s, radius float64) cell {
	e := 0.75 + 0.5*rng.Float64()
	sin, cos := math.Sincos(math.Pi * rng.Float64())
	return cell{s/2 + s*0.15*(rng.Float64()-0.5), s/2 + s*0.15*(rng.Float64()-0.5), radius * e, radius / e, sin, cos}
}

// cellImage draws one micrograph of the class.
func cellImage(rng *rand.Rand, name string, n int, noise float64) []uint8 {
	s := float64(n)
	bg := [3]float64{215 + 30*rng.Float64(), 170 + 40*rng.Float64(), 195 + 40*rng.Float64()}
	stain := [3]float64{90 + 60*rng.Float64(), 40 + 50*rng.Float64(), 130 + 60*rng.Float64()}
	nucleus := [3]float64{stain[0] * 0.45, stain[1] * 0.4, stain[2] * 0.6}
	main := randCell(rng, s, s*(0.22+0.08*rng.Float64()))
	var second cell
	var grains [][3]float64 // x, y, radius
	switch name {
	case "pair":
		main.rx, main.ry = main.rx*0.68, main.ry*0.68
		d := 1.7 * max(main.rx, main.ry)
		second = main
		main.cx, main.cy = main.cx-main.cos*d/2, main.cy-main.sin*d/2
		second.cx, second.cy = second.cx+second.cos*d/2, second.cy+second.sin*d/2
	case "granular":
		for g := 0; g < 7+rng.IntN(7); g++ {
			a, r := 2*math.Pi*rng.Float64(), 0.75*rng.Float64()
			grains = append(grains, [3]float64{main.cx + r*main.rx*math.Cos(a), main.cy + r*main.ry*math.Sin(a), 0.9 + 0.8*rng.Float64()})
		}
	}
	debris := make([][3]float64, rng.IntN(5))
	for j := range debris {
		debris[j] = [3]float64{s * rng.Float64(), s * rng.Float64(), 0.6 + 0.8*rng.Float64()}
	}
	blot, phase := 0.1+0.15*rng.Float64(), 2*math.Pi*rng.Float64()
	img := make([]uint8, n*n*3)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := bg
			shade := 1 - 0.08*math.Sin(blot*px+phase)*math.Cos(blot*py-phase)
			for ch := range c {
				c[ch] *= shade
			}
			paint := func(col [3]float64, cover float64) {
				for ch := range c {
					c[ch] += cover * (col[ch] - c[ch])
				}
			}
			for _, d := range debris {
				paint(stain, 0.6*soft(math.Hypot(px-d[0], py-d[1])-d[2]))
			}
			cellCover(main, name, px, py, stain, nucleus, paint)
			if name == "pair" {
				cellCover(second, name, px, py, stain, nucleus, paint)
			}
			for _, g := range grains {
				paint(nucleus, soft(math.Hypot(px-g[0], py-g[1])-g[2]))
			}
			for ch := range c {
				img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*noise*rng.NormFloat64())
			}
		}
	}
	return img
}

// soft is the coverage of a pixel at signed distance d outside an edge.
func soft(d float64) float64 { return min(max(0.5-d, 0), 1) }

// cellCover paints one cell at (px, py): a ring is its membrane only; the
// other kinds are filled, blob and pair with a nucleus, granular pale.
func cellCover(c cell, name string, px, py float64, stain, nucleus [3]float64, paint func([3]float64, float64)) {
	r := c.r(px, py)
	edge := (r - 1) * min(c.rx, c.ry) // about the distance outside, in pixels
	switch name {
	case "ring":
		paint(stain, soft(math.Abs(edge+1)-1.2))
	case "granular":
		paint(stain, 0.55*soft(edge))
	default:
		paint(stain, 0.85*soft(edge))
		paint(nucleus, soft((r-0.42)*min(c.rx, c.ry)))
	}
}

// lowFreq is a smooth random field on an image: a few long waves, about
// -1..1.
func lowFreq(rng *rand.Rand, minPeriod, maxPeriod float64) func(x, y float64) float64 {
	var w [4][4]float64 // fx, fy, phase, amplitude
	for i := range w {
		p := minPeriod + (maxPeriod-minPeriod)*rng.Float64()
		sin, cos := math.Sincos(2 * math.Pi * rng.Float64())
		w[i] = [4]float64{2 * math.Pi * cos / p, 2 * math.Pi * sin / p, 2 * math.Pi * rng.Float64(), 0.5}
	}
	return func(x, y float64) float64 {
		v := 0.0
		for _, a := range w {
			v += a[3] * math.Sin(a[0]*x+a[1]*y+a[2])
		}
		return v
	}
}

// Terrain draws colour satellite-like patches: open water (smooth, with
// ripples), forest (a canopy of tree crowns), fields (crop rows at a
// random angle) and a road (a straight gray band across grass), each
// with random colours, sun and haze. 64×64 by default.
func Terrain(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("terrain", TerrainClasses, 64, 0.03); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x7e88a))
	n := o.Size
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			shade := terrainShade(rng, name, float64(n))
			sun, haze := 0.8+0.4*rng.Float64(), 40*rng.Float64()
			img := make([]uint8, n*n*3)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					c := shade(float64(x)+0.5, float64(y)+0.5)
					for ch := range c {
						img[(y*n+x)*3+ch] = clamp8(sun*c[ch] + haze + 255*o.Noise*rng.NormFloat64())
					}
				}
			}
			ds.Pixels = append(ds.Pixels, img...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// jitterColor is c with each channel moved by up to ±d.
func jitterColor(rng *rand.Rand, c [3]float64, d float64) [3]float64 {
	for i := range c {
		c[i] += d * (2*rng.Float64() - 1)
	}
	return c
}

// mix is a + t(b - a).
func mix(a, b [3]float64, t float64) [3]float64 {
	for i := range a {
		a[i] += t * (b[i] - a[i])
	}
	return a
}

// terrainShade returns the class's colour at a pixel (before sun and haze).
func terrainShade(rng *rand.Rand, name string, s float64) func(x, y float64) [3]float64 {
	ground := lowFreq(rng, 20, 70)
	grass := jitterColor(rng, [3]float64{85, 120, 60}, 30)
	soil := jitterColor(rng, [3]float64{130, 110, 80}, 30)
	switch name {
	case "water":
		deep := jitterColor(rng, [3]float64{30, 70, 110}, 25)
		sin, cos := math.Sincos(math.Pi * rng.Float64())
		f := 2 * math.Pi / (5 + 4*rng.Float64())
		return func(x, y float64) [3]float64 {
			return mix(deep, [3]float64{90, 130, 160}, 0.15+0.12*ground(x, y)+0.04*math.Sin(f*(cos*x+sin*y)))
		}
	case "forest":
		crowns := make([][3]float64, 70+rng.IntN(40))
		for i := range crowns {
			crowns[i] = [3]float64{s * rng.Float64(), s * rng.Float64(), 2 + 2.5*rng.Float64()}
		}
		dark := jitterColor(rng, [3]float64{35, 70, 40}, 20)
		return func(x, y float64) [3]float64 {
			lit := 0.0
			for _, c := range crowns {
				if d := math.Hypot(x-c[0], y-c[1]); d < c[2] {
					lit = max(lit, 1-d/c[2])
				}
			}
			return mix(dark, grass, 0.7*lit+0.1*ground(x, y))
		}
	case "field":
		crop := jitterColor(rng, [3]float64{170, 160, 80}, 40)
		sin, cos := math.Sincos(math.Pi * rng.Float64())
		f := 2 * math.Pi / (3 + 4*rng.Float64())
		return func(x, y float64) [3]float64 {
			return mix(soil, crop, 0.5+0.4*math.Sin(f*(cos*x+sin*y))+0.1*ground(x, y))
		}
	}
	// road: a straight gray band across grass
	asphalt := jitterColor(rng, [3]float64{125, 125, 125}, 30)
	sin, cos := math.Sincos(math.Pi * rng.Float64())
	ox, oy := s/2+s*0.3*(rng.Float64()-0.5), s/2+s*0.3*(rng.Float64()-0.5)
	half := 1.5 + 2*rng.Float64()
	return func(x, y float64) [3]float64 {
		g := mix(grass, soil, 0.3+0.3*ground(x, y))
		d := math.Abs(-sin*(x-ox) + cos*(y-oy))
		return mix(g, asphalt, clamp01(half+0.5-d))
	}
}

// clamp01 clamps v to 0..1.
func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// flagPalette are the colours flags are made of (each jittered).
var flagPalette = [][3]float64{{200, 30, 40}, {240, 240, 240}, {20, 50, 140}, {20, 130, 60}, {250, 200, 20}, {20, 20, 20}, {240, 120, 20}, {110, 170, 230}}

// Flags draws colour flags at FlagHeight×FlagWidth (not square): the
// class's layout in three random distinct colours, waving (displaced and
// shaded in folds), shifted, with noise.
func Flags(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("flags", FlagClasses, FlagHeight, 0.04); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xf1a65))
	h, w := FlagHeight, FlagWidth
	ds := &data.Dataset{Height: h, Width: w, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			var cols [3][3]float64
			for j, p := range rng.Perm(len(flagPalette))[:3] {
				cols[j] = jitterColor(rng, flagPalette[p], 25)
			}
			layout := flagLayout(rng, name)
			amp, f1, f2, ph := 0.5+2*rng.Float64(), 1+1.5*rng.Float64(), 0.5+rng.Float64(), 2*math.Pi*rng.Float64()
			sx, sy := 3*(rng.Float64()-0.5), 3*(rng.Float64()-0.5)
			img := make([]uint8, h*w*3)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					u := (float64(x) + 0.5 + sx + amp*math.Sin(2*math.Pi*f2*float64(y)/float64(h)+ph)) / float64(w)
					v := (float64(y) + 0.5 + sy + amp*math.Sin(2*math.Pi*f1*float64(x)/float64(w)+ph)) / float64(h)
					fold := 1 + 0.15*math.Sin(2*math.Pi*f1*u+ph)
					c := cols[layout(u, v)]
					for ch := range c {
						img[(y*w+x)*3+ch] = clamp8(fold*c[ch] + 255*o.Noise*rng.NormFloat64())
					}
				}
			}
			ds.Pixels = append(ds.Pixels, img...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// flagLayout returns which of the three colours a flag of the class has
// at (u, v) in 0..1 (u across, v down), with the layout's details drawn
// at random.
func flagLayout(rng *rand.Rand, name string) func(u, v float64) int {
	band := func(t float64) int { return min(max(int(3*t), 0), 2) }
	switch name {
	case "vertical3":
		return func(u, _ float64) int { return band(u) }
	case "horizontal3":
		return func(_, v float64) int { return band(v) }
	case "cross":
		cu, half := 0.3+0.1*rng.Float64(), 0.06+0.04*rng.Float64()
		return func(u, v float64) int {
			if math.Abs(u-cu) < half*0.7 || math.Abs(v-0.5) < half {
				return 1
			}
			return 0
		}
	case "saltire":
		half := 0.08 + 0.05*rng.Float64()
		return func(u, v float64) int {
			if math.Abs(u-v) < half || math.Abs(u+v-1) < half {
				return 1
			}
			return 0
		}
	case "disc":
		cu, r := 0.42+0.16*rng.Float64(), 0.22+0.08*rng.Float64()
		return func(u, v float64) int {
			if math.Hypot((u-cu)*FlagWidth, (v-0.5)*FlagHeight) < r*FlagHeight {
				return 1
			}
			return 0
		}
	}
	// triangle: a hoist triangle over two horizontal bands
	depth := 0.35 + 0.2*rng.Float64()
	return func(u, v float64) int {
		if u < depth*(1-math.Abs(2*v-1)) {
			return 2
		}
		if v < 0.5 {
			return 0
		}
		return 1
	}
}
