package faults

import (
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/data"
)

// The tenth held-out part's generated data ("tenth", issue 10 tenth
// round). They were written, with the tenth scenarios, before any
// detector or threshold of that round was changed, and draw images
// unlike every earlier part: gray arrows drawn by hand on a whiteboard
// at 28×28 (ten directions, the 10-class set), colour photographs of
// boats at sea at 48×48 (four kinds), gray wall sockets at 32×32 (round
// holes or slots, the two-class and imbalanced set) and gray ECG strips
// on grid paper at a wide 24×64 (four rhythms). The part also trains on
// a subset of Fashion-MNIST (tenth_fashion.go), real data no earlier
// part used.

// ArrowClasses are the directions Arrows can draw: eight single-headed
// arrows by the compass point they show, and two double-headed ones.
var ArrowClasses = []string{"n", "ne", "e", "se", "s", "sw", "w", "nw", "ew", "ns"}

// BoatClasses are the vessels Boats can draw.
var BoatClasses = []string{"sail", "motor", "buoy", "ferry"}

// SocketClasses are the wall sockets Sockets can draw: two round holes
// (European) or two slots over a ground hole (North American).
var SocketClasses = []string{"round", "slots"}

// CardioClasses are the heart rhythms Cardio can draw.
var CardioClasses = []string{"regular", "fast", "irregular", "flutter"}

// CardioHeight and CardioWidth are the ECG strips' (wide) size.
const CardioHeight, CardioWidth = 24, 64

// arrowStrokes are an arrow's strokes in a box from -1 to 1, y down: the
// shaft and a two-stroke head at the tip (and at the tail for a
// double-headed arrow).
func arrowStrokes(name string) [][][2]float64 {
	deg := map[string]float64{"e": 0, "se": 45, "s": 90, "sw": 135, "w": 180, "nw": 225, "n": 270, "ne": 315, "ew": 0, "ns": 90}[name]
	a := deg * math.Pi / 180
	c, s := math.Cos(a), math.Sin(a)
	tip, tail := [2]float64{0.85 * c, 0.85 * s}, [2]float64{-0.85 * c, -0.85 * s}
	head := func(at [2]float64, dir float64) [][2]float64 {
		l, r := a+dir*math.Pi+0.5, a+dir*math.Pi-0.5
		return [][2]float64{{at[0] + 0.45*math.Cos(l), at[1] + 0.45*math.Sin(l)}, at, {at[0] + 0.45*math.Cos(r), at[1] + 0.45*math.Sin(r)}}
	}
	strokes := [][][2]float64{{tail, tip}, head(tip, 1)}
	if name == "ew" || name == "ns" {
		strokes = append(strokes, head(tail, 0))
	}
	return strokes
}

// Arrows draws gray arrows drawn by hand with a marker on a whiteboard:
// the strokes jittered, slanted, scaled and shifted, of a random pen
// width, with ghosts of erased strokes, a glare and noise. 28×28 by
// default.
func Arrows(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("arrows", ArrowClasses, 28, 0.05); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xa770, func(rng *rand.Rand, name string) []uint8 {
		segs := handSegments(rng, arrowStrokes(name), s)
		var ghost [][4]float64 // an erased scribble
		for i := 0; i < rng.IntN(3); i++ {
			x, y := s*rng.Float64(), s*rng.Float64()
			ghost = append(ghost, walk(rng, x, y, 2*math.Pi*rng.Float64(), 1.2, 0.4, 8)...)
		}
		width, board, ink := 1.0+1.3*rng.Float64(), 200+45*rng.Float64(), 20+80*rng.Float64()
		glare, gx, gy := 30*rng.Float64(), s*rng.Float64(), s*rng.Float64()
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := board + glare*math.Exp(-(sq(px-gx)+sq(py-gy))/(0.1*s*s)) - 20*math.Hypot(px-s/2, py-s/2)/s
				if len(ghost) > 0 {
					c -= 25 * min(max(1.5-segmentsDistance(ghost, px, py), 0), 1)
				}
				cover := min(max(width/2+0.5-segmentsDistance(segs, px, py), 0), 1)
				img[y*n+x] = clamp8(c + cover*(ink-c) + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// convexDistance is the distance of (x, y) outside a convex polygon
// (negative inside), its corners in either order: the largest signed
// distance to an edge's line.
func convexDistance(pts [][2]float64, x, y float64) float64 {
	area := 0.0
	for i, p := range pts {
		q := pts[(i+1)%len(pts)]
		area += p[0]*q[1] - q[0]*p[1]
	}
	sign := 1.0
	if area < 0 {
		sign = -1
	}
	d := math.Inf(-1)
	for i, p := range pts {
		q := pts[(i+1)%len(pts)]
		ex, ey := q[0]-p[0], q[1]-p[1]
		l := math.Hypot(ex, ey)
		if l == 0 {
			continue
		}
		d = max(d, -sign*(ex*(y-p[1])-ey*(x-p[0]))/l)
	}
	return d
}

// boatPart is one convex part of a vessel and its colour.
type boatPart struct {
	pts [][2]float64
	col [3]float64
}

// boatParts are a vessel's parts at (cx, cy) (the waterline's middle),
// of length l, facing right or left.
func boatParts(rng *rand.Rand, name string, cx, cy, l float64, left bool) []boatPart {
	hull := jitterColor(rng, [3]float64{60, 50, 45}, 40)
	white := jitterColor(rng, [3]float64{235, 235, 230}, 15)
	var parts []boatPart
	add := func(col [3]float64, pts ...[2]float64) {
		for i := range pts {
			if left {
				pts[i][0] = -pts[i][0]
			}
			pts[i] = [2]float64{cx + l*pts[i][0], cy + l*pts[i][1]}
		}
		parts = append(parts, boatPart{pts, col})
	}
	switch name {
	case "sail":
		add(hull, [2]float64{-0.45, -0.1}, [2]float64{0.5, -0.1}, [2]float64{0.35, 0.05}, [2]float64{-0.35, 0.05})
		add(white, [2]float64{-0.02, -0.15}, [2]float64{-0.02, -1.05}, [2]float64{-0.4, -0.15})
		add(jitterColor(rng, white, 25), [2]float64{0.04, -0.15}, [2]float64{0.04, -0.9}, [2]float64{0.38, -0.15})
	case "motor":
		add(white, [2]float64{-0.5, -0.12}, [2]float64{0.55, -0.12}, [2]float64{0.4, 0.04}, [2]float64{-0.5, 0.04})
		add(hull, [2]float64{-0.25, -0.3}, [2]float64{0.15, -0.3}, [2]float64{0.25, -0.12}, [2]float64{-0.25, -0.12})
	case "buoy":
		red := [3]float64{210, 40, 30}
		if rng.IntN(2) == 0 {
			red = [3]float64{235, 190, 20}
		}
		add(red, [2]float64{-0.12, 0.03}, [2]float64{-0.08, -0.3}, [2]float64{0.08, -0.3}, [2]float64{0.12, 0.03})
		add(hull, [2]float64{-0.01, -0.3}, [2]float64{0.01, -0.3}, [2]float64{0.01, -0.45}, [2]float64{-0.01, -0.45})
		add(red, [2]float64{-0.06, -0.45}, [2]float64{0.06, -0.45}, [2]float64{0, -0.55})
	case "ferry":
		add(hull, [2]float64{-0.5, -0.15}, [2]float64{0.55, -0.15}, [2]float64{0.45, 0.05}, [2]float64{-0.48, 0.05})
		add(white, [2]float64{-0.4, -0.42}, [2]float64{0.35, -0.42}, [2]float64{0.4, -0.15}, [2]float64{-0.4, -0.15})
		add(white, [2]float64{-0.3, -0.6}, [2]float64{0.15, -0.6}, [2]float64{0.2, -0.42}, [2]float64{-0.3, -0.42})
		add([3]float64{190, 40, 30}, [2]float64{-0.2, -0.78}, [2]float64{-0.08, -0.78}, [2]float64{-0.08, -0.6}, [2]float64{-0.2, -0.6})
	}
	return parts
}

// Boats draws colour photographs of a vessel at sea: a sailing boat, a
// motor boat, a buoy or a ferry, facing either way, at a random place
// and size on waves under a sky (clear, hazy or at dusk), with a
// reflection, a wake behind moving boats and noise. 48×48 by default.
func Boats(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("boats", BoatClasses, 48, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0xb0a7, func(rng *rand.Rand, name string) []uint8 {
		sky, sea := jitterColor(rng, [3]float64{150, 190, 230}, 30), jitterColor(rng, [3]float64{30, 80, 120}, 25)
		if rng.IntN(4) == 0 {
			sky, sea = jitterColor(rng, [3]float64{230, 150, 110}, 25), jitterColor(rng, [3]float64{60, 60, 90}, 20)
		}
		horizon := s * (0.25 + 0.2*rng.Float64())
		l := s * (0.35 + 0.25*rng.Float64())
		if name == "buoy" {
			l *= 1.6
		}
		cx, cy := s*(0.3+0.4*rng.Float64()), horizon+(s-horizon)*(0.35+0.4*rng.Float64())
		left := rng.IntN(2) == 0
		parts := boatParts(rng, name, cx, cy, l, left)
		waves, haze := lowFreq(rng, 3, 7), 0.3*rng.Float64()
		wake := name == "motor" || name == "ferry"
		dir := 1.0
		if left {
			dir = -1
		}
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := mix(sky, [3]float64{255, 255, 255}, haze*(1-py/horizon))
				if py > horizon {
					c = mix(sea, [3]float64{200, 220, 230}, 0.12*(1+waves(px, 2*py)))
					if wake && dir*(cx-px) > 0.4*l && math.Abs(py-cy) < 0.06*l+0.15*math.Abs(cx-px)*0.3 {
						c = mix(c, [3]float64{240, 245, 245}, 0.6)
					}
				}
				for _, p := range parts {
					c = mix(c, p.col, soft(convexDistance(p.pts, px, py)))
					if py > cy { // the reflection
						c = mix(c, p.col, 0.25*soft(convexDistance(p.pts, px, 2*cy-py+waves(px, py))))
					}
				}
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// socketHoles are a socket's openings on a face of radius r around the
// origin, unturned: rounded slots (x0, y0, x1, y1, half width), a
// round hole being a slot of no length.
func socketHoles(name string, r float64) [][5]float64 {
	if name == "round" {
		return [][5]float64{{-0.4 * r, 0, -0.4 * r, 0, 0.13 * r}, {0.4 * r, 0, 0.4 * r, 0, 0.13 * r}}
	}
	return [][5]float64{{-0.35 * r, -0.45 * r, -0.35 * r, -0.05 * r, 0.07 * r}, {0.35 * r, -0.45 * r, 0.35 * r, -0.05 * r, 0.07 * r},
		{0, 0.35 * r, 0, 0.42 * r, 0.12 * r}}
}

// Sockets draws gray photographs of a wall socket: a square plate with
// rounded corners and a round face, the face's two round holes or two
// slots over a ground hole, turned by up to ±15°, at a random place and
// size on a wall with uneven light and a shadow below the plate, with
// noise. 32×32 by default.
func Sockets(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("sockets", SocketClasses, 32, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0x50c7, func(rng *rand.Rand, name string) []uint8 {
		half := s * (0.3 + 0.12*rng.Float64())
		cx, cy := s/2+0.25*(s-2*half)*(2*rng.Float64()-1), s/2+0.25*(s-2*half)*(2*rng.Float64()-1)
		sin, cos := math.Sincos((rng.Float64() - 0.5) * math.Pi / 6)
		holes := socketHoles(name, 0.8*half)
		wall, plate, hole := 90+80*rng.Float64(), 190+50*rng.Float64(), 15+40*rng.Float64()
		face := plate - 15 - 20*rng.Float64()
		light, corner := lowFreq(rng, 20, 50), 0.25*half
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				u, v := cos*(px-cx)+sin*(py-cy), -sin*(px-cx)+cos*(py-cy)
				box := math.Hypot(max(math.Abs(u)-half+corner, 0), max(math.Abs(v)-half+corner, 0)) - corner
				shadow := math.Hypot(max(math.Abs(u)-half+corner, 0), max(math.Abs(v-2)-half+corner, 0)) - corner
				c := wall*(1-0.3*soft(shadow-1)) + 12*light(px, py)
				c += (plate - c) * soft(box)
				c += (face - c) * soft(math.Hypot(u, v)-0.8*half)
				for _, h := range holes {
					c += (hole - c) * soft(segmentsDistance([][4]float64{{h[0], h[1], h[2], h[3]}}, u, v)-h[4])
				}
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// beatAt is the height of one heart beat's trace at t pixels from its R
// peak (a P wave, the QRS complex and a T wave; p scales the P wave).
func beatAt(t, p float64) float64 {
	g := func(mu, sd, a float64) float64 { return a * math.Exp(-sq((t-mu)/sd)/2) }
	return g(-4, 0.9, 0.12*p) + g(-0.8, 0.35, -0.15) + g(0, 0.45, 1) + g(0.9, 0.4, -0.25) + g(4.5, 1.3, 0.25)
}

// cardioTrace is the rhythm's trace across a strip of width w, in units
// of the R peak's height, up positive.
func cardioTrace(rng *rand.Rand, name string, w float64) func(x float64) float64 {
	rr, p := 13+4*rng.Float64(), 1.0
	switch name {
	case "fast":
		rr = 6.5 + 1.5*rng.Float64()
	case "irregular", "flutter":
		p = 0
	}
	var peaks []float64
	for x := -rr * rng.Float64(); x < w+rr; {
		peaks = append(peaks, x)
		step := rr
		if name == "irregular" {
			step = (0.5 + rng.Float64()) * rr
		}
		x += step
	}
	fib, saw, phase := lowFreq(rng, 3, 6), 3.5+rng.Float64(), rng.Float64()
	return func(x float64) float64 {
		v := 0.0
		for _, pk := range peaks {
			if math.Abs(x-pk) < 10 {
				v += beatAt(x-pk, p)
			}
		}
		switch name {
		case "irregular":
			v += 0.06 * fib(x, 0)
		case "flutter":
			v += 0.22 * (math.Mod(x/saw+phase, 1) - 0.5)
		}
		return v
	}
}

// Cardio draws gray ECG strips on grid paper: a regular rhythm, a fast
// one, an irregular one without P waves over a trembling baseline, or a
// flutter (a sawtooth baseline under regular beats), at a random gain,
// baseline and pen width, with a drifting baseline and noise. 24×64
// (wide) by default; Size sets the height, the width is 8/3 of it.
func Cardio(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("cardio", CardioClasses, CardioHeight, 0.04); err != nil {
		return nil, err
	}
	h := o.Size
	w := h * CardioWidth / CardioHeight
	sh, sw := float64(h), float64(w)
	return drawClasses(o, h, w, 1, 0xca7d, func(rng *rand.Rand, name string) []uint8 {
		trace := cardioTrace(rng, name, sw)
		gain, base := sh*(0.4+0.2*rng.Float64()), sh*(0.6+0.1*rng.Float64())
		drift, tilt := 1.5*rng.Float64(), 2*math.Pi*rng.Float64()
		ys := make([]float64, 2*w+1) // the trace's y at half-pixel steps
		for i := range ys {
			x := float64(i) / 2
			ys[i] = base - gain*trace(x) + drift*math.Sin(x/sw*math.Pi+tilt)
		}
		paper, grid, ink := 215+35*rng.Float64(), 25+25*rng.Float64(), 10+50*rng.Float64()
		width, pitch := 0.5+0.5*rng.Float64(), 4+2*rng.Float64()
		img := make([]uint8, h*w)
		for x := 0; x < w; x++ {
			lo, hi := min(ys[2*x], ys[2*x+1], ys[2*x+2]), max(ys[2*x], ys[2*x+1], ys[2*x+2])
			for y := 0; y < h; y++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := paper
				if math.Mod(px, pitch) < 0.8 || math.Mod(py, pitch) < 0.8 {
					c -= grid
				}
				d := max(lo-py, py-hi, 0)
				c += (ink - c) * soft(d-width)
				img[y*w+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}
