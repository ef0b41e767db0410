package faults

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cnnscope/cnnscope/data"
)

// The sixth held-out part's data generators ("sixth", issue 10 sixth
// round). They were written, with the sixth scenarios, before any
// detector or threshold of that round was changed, and draw images unlike
// every earlier part: colour leaves whose disease shows in the lesions'
// colour and texture (48×48), gray analogue gauges read by the needle's
// sector (28×28, ten classes), gray circuit boards with or without a
// broken or bridged trace (32×32, two classes) and colour rock
// thin-section textures (32×32, six classes).

// LeafClasses are the leaf conditions Leaves can draw.
var LeafClasses = []string{"healthy", "rust", "blight", "mildew", "mosaic"}

// DialClasses are the gauge readings Dials can draw: the sector of the
// dial's 270° sweep that the needle points into.
var DialClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// BoardClasses are the circuit boards Boards can draw: "good" or with
// defects (open traces, bridges between two traces, scorch marks).
var BoardClasses = []string{"good", "defect"}

// RockClasses are the rock textures Rocks can draw.
var RockClasses = []string{"granite", "marble", "sandstone", "basalt", "slate", "conglomerate"}

// leafSpot is a lesion: centre, radius, strength.
type leafSpot struct{ x, y, r, k float64 }

func leafSpots(rng *rand.Rand, n int, s, rmin, rmax float64) []leafSpot {
	sp := make([]leafSpot, n)
	for i := range sp {
		sp[i] = leafSpot{s * (0.25 + 0.5*rng.Float64()), s * (0.2 + 0.6*rng.Float64()), rmin + (rmax-rmin)*rng.Float64(), 0.6 + 0.4*rng.Float64()}
	}
	return sp
}

// leafDisease returns how the class changes a leaf pixel's colour c at
// (x, y) (image coordinates).
func leafDisease(rng *rand.Rand, name string, s float64) func(x, y float64, c [3]float64) [3]float64 {
	switch name {
	case "rust":
		spots, col := leafSpots(rng, 10+rng.IntN(14), s, 1, 1.9), jitterColor(rng, [3]float64{200, 110, 30}, 25)
		return func(x, y float64, c [3]float64) [3]float64 {
			for _, p := range spots {
				c = mix(c, col, p.k*soft(math.Hypot(x-p.x, y-p.y)-p.r))
			}
			return c
		}
	case "blight":
		spots, edge := leafSpots(rng, 1+rng.IntN(3), s, 4, 8), lowFreq(rng, 3, 6)
		brown, halo := jitterColor(rng, [3]float64{95, 65, 35}, 20), jitterColor(rng, [3]float64{190, 190, 60}, 20)
		return func(x, y float64, c [3]float64) [3]float64 {
			for _, p := range spots {
				d := math.Hypot(x-p.x, y-p.y) - p.r*(1+0.3*edge(x, y))
				c = mix(c, halo, 0.6*p.k*clamp01(1-d/2.5))
				c = mix(c, brown, p.k*soft(d))
			}
			return c
		}
	case "mildew":
		spots, dust := leafSpots(rng, 3+rng.IntN(4), s, 3.5, 6.5), lowFreq(rng, 2, 4)
		return func(x, y float64, c [3]float64) [3]float64 {
			for _, p := range spots {
				d := math.Hypot(x-p.x, y-p.y) / p.r
				c = mix(c, [3]float64{225, 228, 220}, 0.85*p.k*math.Exp(-d*d)*clamp01(0.7+0.3*dust(x, y)))
			}
			return c
		}
	case "mosaic":
		mottle, pale := lowFreq(rng, 5, 10), jitterColor(rng, [3]float64{190, 200, 80}, 20)
		depth := 0.5 + 0.3*rng.Float64()
		return func(x, y float64, c [3]float64) [3]float64 { return mix(c, pale, depth*clamp01(mottle(x, y))) }
	}
	specks := leafSpots(rng, rng.IntN(4), s, 0.4, 0.8) // healthy: a few specks of dirt
	return func(x, y float64, c [3]float64) [3]float64 {
		for _, p := range specks {
			c = mix(c, [3]float64{60, 55, 45}, 0.5*soft(math.Hypot(x-p.x, y-p.y)-p.r))
		}
		return c
	}
}

// Leaves draws colour leaves on a bench or soil: a pointed leaf of a
// random green, size and turn, with a midrib and side veins, carrying the
// class's lesions, with noise. 48×48 by default.
func Leaves(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("leaves", LeafClasses, 48, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x1eaf, func(rng *rand.Rand, name string) []uint8 {
		bg, bgWave := jitterColor(rng, [3]float64{120, 105, 90}, 45), lowFreq(rng, 8, 20)
		green := jitterColor(rng, [3]float64{70, 140, 50}, 30)
		vein := mix(green, [3]float64{200, 230, 160}, 0.4)
		disease := leafDisease(rng, name, s)
		sin, cos := math.Sincos((rng.Float64() - 0.5) * math.Pi / 3)
		length, width := s*(0.44+0.05*rng.Float64()), s*(0.24+0.05*rng.Float64())
		cx, cy := s/2+2*(rng.Float64()-0.5), s/2+2*(rng.Float64()-0.5)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := mix(bg, [3]float64{90, 70, 50}, clamp01(0.3+0.2*bgWave(px, py)))
				u, v := (cos*(px-cx)+sin*(py-cy))/length, (-sin*(px-cx)+cos*(py-cy))/width
				if half := math.Sqrt(max(1-u*u, 0)) * (1 - 0.3*u); math.Abs(v) < half { // the blade, pointed at +u
					leaf := green
					if math.Abs(v) < 0.06 || math.Abs(math.Mod(u*4+math.Abs(v)*2+8, 1)-0.5) < 0.05 {
						leaf = vein
					}
					c = disease(px, py, mix(leaf, green, 0.3))
				}
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// DialSweep is the dial's sweep in radians, from its zero at the lower
// left clockwise to its end at the lower right.
const DialSweep = 1.5 * math.Pi

// dialAngle is a random needle angle (image radians, y down) inside the
// class's sector.
func dialAngle(rng *rand.Rand, class int) float64 {
	t := (float64(class) + 0.08 + 0.84*rng.Float64()) / float64(len(DialClasses))
	return 0.75*math.Pi + t*DialSweep
}

// Dials draws gray analogue gauges: a round face (light or dark) with
// ten ticks, a needle of random length and width in the class's sector,
// a hub, glare and noise, the dial shifted a little. 28×28 by default.
func Dials(o GenOptions) (*data.Dataset, error) {
	idx, err := o.check("dials", DialClasses, 28, 0.05)
	if err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xd1a1, func(rng *rand.Rand, name string) []uint8 {
		a := dialAngle(rng, idx[name])
		cx, cy, r := s/2+2*(rng.Float64()-0.5), s/2+2*(rng.Float64()-0.5), s*(0.4+0.06*rng.Float64())
		face, ink, bg := 200+40*rng.Float64(), 30+40*rng.Float64(), 60+120*rng.Float64()
		if rng.IntN(3) == 0 {
			face, ink = 40+30*rng.Float64(), 190+50*rng.Float64()
		}
		needle := [4]float64{cx, cy, cx + r*(0.7+0.2*rng.Float64())*math.Cos(a), cy + r*(0.7+0.2*rng.Float64())*math.Sin(a)}
		nw, glare := 0.5+0.5*rng.Float64(), lowFreq(rng, 15, 40)
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				d := math.Hypot(px-cx, py-cy)
				c := bg
				if d < r {
					c = face
					ang := math.Mod(math.Atan2(py-cy, px-cx)-0.75*math.Pi+4*math.Pi, 2*math.Pi)
					if tick := ang / DialSweep * 10; tick <= 10.05 && math.Abs(tick-math.Round(tick)) < 0.06 && d > 0.8*r {
						c = ink
					}
				}
				c += (ink - c) * max(soft(d-r-0.5)-soft(d-r+0.7), 0) // the rim
				c += (ink - c) * max(soft(segmentsDistance([][4]float64{needle}, px, py)-nw), soft(d-1.5))
				img[y*n+x] = clamp8(c + 25*glare(px, py) + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// boardTraces are a board's copper traces: n parallel bands (horizontal
// before the board is turned) with their centre line and half width.
func boardTraces(rng *rand.Rand, s float64) [][2]float64 {
	n := 3 + rng.IntN(2)
	pitch := s / float64(n+1)
	tr := make([][2]float64, n)
	for i := range tr {
		tr[i] = [2]float64{pitch*float64(i+1) + 0.8*(rng.Float64()-0.5), 1.2 + 0.6*rng.Float64()}
	}
	return tr
}

// Board materials at a point.
const (
	laminate = iota
	copper
	scorch
)

// boardDefect is one defect: kind (0 open gap, 1 bridge, 2 scorch), the
// trace k it is on (a bridge joins k and k+1), where along it, and its
// half size.
type boardDefect struct {
	kind, k  int
	at, size float64
}

// boardLayout returns the material at (u, v), in the board's own frame:
// copper on a trace or a pad, and on a defect board two or three defects,
// each an open gap in a trace, a bridge between two neighbouring traces
// or a scorch mark on a trace (pads near a defect are left out, so that
// it shows).
func boardLayout(rng *rand.Rand, defect bool, s float64) func(u, v float64) int {
	tr := boardTraces(rng, s)
	pads := make([][3]float64, 2+rng.IntN(3))
	for i := range pads {
		t := tr[rng.IntN(len(tr))]
		pads[i] = [3]float64{s * (0.15 + 0.7*rng.Float64()), t[0], t[1] + 0.8 + 0.6*rng.Float64()}
	}
	var defects []boardDefect
	for i := 2 + rng.IntN(2); defect && i > 0; i-- {
		d := boardDefect{rng.IntN(3), rng.IntN(len(tr) - 1), s * (0.15 + 0.7*rng.Float64()), 2 + 1.5*rng.Float64()}
		pads = slices.DeleteFunc(pads, func(p [3]float64) bool { return math.Abs(p[0]-d.at) < p[2]+d.size+1 })
		defects = append(defects, d)
	}
	return func(u, v float64) int {
		m := laminate
		for i, t := range tr {
			if math.Abs(v-t[0]) < t[1] && !slices.ContainsFunc(defects, func(d boardDefect) bool { return d.kind == 0 && d.k == i && math.Abs(u-d.at) < d.size }) {
				m = copper
			}
		}
		for _, p := range pads {
			if math.Hypot(u-p[0], v-p[1]) < p[2] {
				m = copper
			}
		}
		for _, d := range defects {
			switch {
			case d.kind == 1 && math.Abs(u-d.at) < d.size*0.8 && v > tr[d.k][0] && v < tr[d.k+1][0]:
				m = copper
			case d.kind == 2 && math.Hypot(u-d.at, v-tr[d.k][0]) < d.size:
				m = scorch
			}
		}
		return m
	}
}

// Boards draws gray close-ups of circuit boards: parallel copper traces
// and pads on a textured laminate, turned by a multiple of 90° and a few
// degrees, unevenly lit, with noise; a defect board has two or three
// defects (open traces, bridges between neighbouring traces, scorch marks).
// 32×32 by default.
func Boards(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("boards", BoardClasses, 32, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xb0a4d, func(rng *rand.Rand, name string) []uint8 {
		layout := boardLayout(rng, name == "defect", s)
		base, metal := 50+50*rng.Float64(), 150+80*rng.Float64()
		weave, light := lowFreq(rng, 2, 4), lowFreq(rng, 25, 60)
		turn := float64(rng.IntN(4))*math.Pi/2 + (rng.Float64()-0.5)*0.12
		sin, cos := math.Sincos(turn)
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5-s/2, float64(y)+0.5-s/2
				u, v := cos*px+sin*py+s/2, -sin*px+cos*py+s/2
				c := base * (1 + 0.06*weave(u, v))
				switch layout(u, v) {
				case copper:
					c = metal
				case scorch:
					c = 0.4 * base
				}
				img[y*n+x] = clamp8(c*(1+0.12*light(u, v)) + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// rockGrains returns the class's colour at (x, y): a field of mineral
// grains, veins, bands or pebbles in the rock's own colours.
func rockGrains(rng *rand.Rand, name string, s float64) func(x, y float64) [3]float64 {
	tint := jitterColor(rng, [3]float64{0, 0, 0}, 25)
	add := func(c [3]float64) [3]float64 { return [3]float64{c[0] + tint[0], c[1] + tint[1], c[2] + tint[2]} }
	fine, coarse := lowFreq(rng, 1.5, 3), lowFreq(rng, 6, 14)
	switch name {
	case "granite": // pink, white and black crystals of 2-4 px
		cells := lowFreq(rng, 3, 6)
		return func(x, y float64) [3]float64 {
			switch v := cells(x, y) + 0.5*fine(x, y); {
			case v > 0.5:
				return add([3]float64{215, 160, 150})
			case v < -0.6:
				return add([3]float64{40, 38, 40})
			}
			return add([3]float64{205, 205, 200})
		}
	case "marble": // pale with a few thin winding veins
		sin, cos := math.Sincos(math.Pi * rng.Float64())
		f := 2 * math.Pi / (10 + 8*rng.Float64())
		return func(x, y float64) [3]float64 {
			v := math.Abs(math.Sin(f*(cos*x+sin*y) + 1.5*coarse(x, y)))
			return mix(add([3]float64{225, 222, 215}), [3]float64{110, 110, 120}, math.Exp(-v*v/0.02))
		}
	case "sandstone": // fine sand in soft bands
		f, ph := 2*math.Pi/(6+6*rng.Float64()), 2*math.Pi*rng.Float64()
		return func(x, y float64) [3]float64 {
			b := 0.5 + 0.5*math.Sin(f*y+0.4*coarse(x, y)+ph)
			return mix(add([3]float64{200, 160, 110}), add([3]float64{170, 120, 80}), clamp01(b+0.2*fine(x, y)))
		}
	case "basalt": // dark, with round vesicles
		holes := leafSpots(rng, 3+rng.IntN(5), s, 0.8, 2)
		return func(x, y float64) [3]float64 {
			c := add([3]float64{65, 65, 70 + 8*fine(x, y)})
			for _, h := range holes {
				c = mix(c, [3]float64{20, 20, 22}, soft(math.Hypot(x-h.x, y-h.y)-h.r))
			}
			return c
		}
	case "slate": // dark gray-blue in thin straight layers
		sin, cos := math.Sincos(math.Pi * rng.Float64())
		f := 2 * math.Pi / (2.5 + 1.5*rng.Float64())
		return func(x, y float64) [3]float64 {
			return mix(add([3]float64{85, 90, 105}), add([3]float64{60, 62, 75}), 0.5+0.5*math.Sin(f*(cos*x+sin*y)))
		}
	}
	pebbles := leafSpots(rng, 4+rng.IntN(4), s, 3, 6) // conglomerate: rounded pebbles in a sandy matrix
	cols := [][3]float64{randColor(rng, 60, 220), randColor(rng, 60, 220), randColor(rng, 60, 220)}
	return func(x, y float64) [3]float64 {
		c := add([3]float64{170, 150, 120})
		for i, p := range pebbles {
			c = mix(c, cols[i%3], soft(math.Hypot(x-p.x, (y-p.y)*1.3)-p.r))
		}
		return c
	}
}

// Rocks draws colour rock thin-section textures: the class's grains,
// veins, layers or pebbles, tinted, shifted in brightness and lit
// unevenly, with noise. 32×32 by default.
func Rocks(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("rocks", RockClasses, 32, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x70c5, func(rng *rand.Rand, name string) []uint8 {
		grains, light := rockGrains(rng, name, s), lowFreq(rng, 20, 50)
		gain := 0.7 + 0.5*rng.Float64()
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := grains(px, py)
				l := gain * (1 + 0.12*light(px, py))
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch]*l + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}
