package faults

import (
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/data"
)

// The fifth held-out part's data generators ("fifth", issue 10 fifth
// round). They were written, with the fifth scenarios, before any
// detector or threshold of that round was changed, and draw images unlike
// every earlier part: gray cracks in worn concrete (40×40), colour road
// signs told apart by their outline on sky, foliage or walls (40×40),
// gray spectrograms of ten kinds of sound (a wide 24×32) and colour
// galaxies on a starry sky (48×48).

// CrackClasses are the crack patterns Cracks can draw. single and
// forked are the hard pair.
var CrackClasses = []string{"single", "forked", "crazed", "star"}

// SignClasses are the sign outlines Signs can draw; the colours are
// shared by every class, so the outline decides.
var SignClasses = []string{"octagon", "warning", "yield", "round", "diamond"}

// SpectroClasses are the sounds Spectro can draw.
var SpectroClasses = []string{"tone", "harmonics", "rise", "fall", "vee", "vibrato", "trill", "clicks", "band", "pair"}

// GalaxyClasses are the galaxy shapes Galaxy can draw.
var GalaxyClasses = []string{"spiral", "elliptical", "edgeon", "ring", "irregular"}

// SpectroHeight and SpectroWidth are the spectrograms' size: frequency
// bins (low at the bottom) by time frames.
const SpectroHeight, SpectroWidth = 24, 32

// walk is a random crack path of n segments from (x, y) heading at angle
// a, each step long, turning by up to ±wiggle radians.
func walk(rng *rand.Rand, x, y, a, step, wiggle float64, n int) [][4]float64 {
	segs := make([][4]float64, 0, n)
	for i := 0; i < n; i++ {
		a += wiggle * (2*rng.Float64() - 1)
		nx, ny := x+step*math.Cos(a), y+step*math.Sin(a)
		segs = append(segs, [4]float64{x, y, nx, ny})
		x, y = nx, ny
	}
	return segs
}

// crackSegments are the class's crack segments on an s×s surface ("crazed"
// has none: its cracks are the edges of a Voronoi map, see crazedGap).
func crackSegments(rng *rand.Rand, name string, s float64) [][4]float64 {
	a := 2 * math.Pi * rng.Float64()
	switch name {
	case "single":
		x, y := s/2-0.6*s*math.Cos(a), s/2-0.6*s*math.Sin(a)
		return walk(rng, x, y, a, s/14, 0.35, 17)
	case "forked":
		x, y := s/2-0.6*s*math.Cos(a), s/2-0.6*s*math.Sin(a)
		trunk := walk(rng, x, y, a, s/14, 0.3, 9)
		end := trunk[len(trunk)-1]
		segs := append(trunk, walk(rng, end[2], end[3], a+0.5+0.3*rng.Float64(), s/14, 0.3, 8)...)
		segs = append(segs, walk(rng, end[2], end[3], a-0.5-0.3*rng.Float64(), s/14, 0.3, 8)...)
		if rng.IntN(2) == 0 { // a third branch from the trunk's middle
			mid := trunk[4]
			segs = append(segs, walk(rng, mid[2], mid[3], a+math.Pi/2*float64(1-2*rng.IntN(2)), s/16, 0.3, 4)...)
		}
		return segs
	case "star":
		cx, cy := s/2+0.2*s*(rng.Float64()-0.5), s/2+0.2*s*(rng.Float64()-0.5)
		var segs [][4]float64
		rays := 5 + rng.IntN(4)
		for k := 0; k < rays; k++ {
			ang := a + 2*math.Pi*(float64(k)+0.3*rng.Float64())/float64(rays)
			segs = append(segs, walk(rng, cx, cy, ang, s/16, 0.2, 4+rng.IntN(4))...)
		}
		return segs
	}
	return nil
}

// crazedGap returns, for a Voronoi map of 7 to 11 random cells, how far
// a point is from the nearest edge between two cells.
func crazedGap(rng *rand.Rand, s float64) func(x, y float64) float64 {
	pts := make([][2]float64, 7+rng.IntN(5))
	for i := range pts {
		pts[i] = [2]float64{s * rng.Float64(), s * rng.Float64()}
	}
	return func(x, y float64) float64 {
		d1, d2 := math.Inf(1), math.Inf(1)
		for _, p := range pts {
			d := math.Hypot(x-p[0], y-p[1])
			if d < d1 {
				d1, d2 = d, d1
			} else if d < d2 {
				d2 = d
			}
		}
		return (d2 - d1) / 2
	}
}

// Cracks draws gray concrete surfaces: a mottled, speckled slab lit
// unevenly, with dark cracks of the class's pattern (width, darkness,
// angle and position random), with noise. 40×40 by default.
func Cracks(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("cracks", CrackClasses, 40, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xc4ac5, func(rng *rand.Rand, name string) []uint8 {
		base, mottle, light := 110+90*rng.Float64(), lowFreq(rng, 6, 14), lowFreq(rng, 40, 90)
		segs := crackSegments(rng, name, s)
		var gap func(x, y float64) float64
		if name == "crazed" {
			gap = crazedGap(rng, s)
		}
		width, depth := 0.8+0.7*rng.Float64(), 0.45+0.3*rng.Float64()
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := base * (1 + 0.08*mottle(px, py) + 0.15*light(px, py))
				if rng.IntN(12) == 0 { // pits in the concrete
					c *= 0.8 + 0.4*rng.Float64()
				}
				d := math.Inf(1)
				if gap != nil {
					d = gap(px, py)
				} else if len(segs) > 0 {
					d = segmentsDistance(segs, px, py)
				}
				c *= 1 - depth*max(soft(d-width/2), 0.4*math.Exp(-d*d/2))
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// signSides are the outline's sides and the turn of its first corner
// ("round" is a circle).
var signSides = map[string][2]float64{
	"octagon": {8, math.Pi / 8}, "warning": {3, -math.Pi / 2}, "yield": {3, math.Pi / 2}, "diamond": {4, 0},
}

// signColors are the sign faces' and borders' colours, shared by every
// class.
var signColors = [][3]float64{{200, 25, 35}, {245, 200, 20}, {25, 70, 170}, {240, 240, 240}, {240, 120, 20}, {30, 130, 70}}

// signDistance is the signed distance (negative inside) from (u, v) to a
// regular outline of the class with circumradius r.
func signDistance(name string, u, v, r float64) float64 {
	sd, ok := signSides[name]
	if !ok {
		return math.Hypot(u, v) - r
	}
	n, turn := sd[0], sd[1]
	apothem := r * math.Cos(math.Pi/n)
	d := math.Inf(-1)
	for k := 0.0; k < n; k++ { // each side's outward normal points between two corners
		a := turn + (2*k+1)*math.Pi/n
		d = max(d, u*math.Cos(a)+v*math.Sin(a)-apothem)
	}
	return d
}

// signBackground returns a random backdrop's colour at a pixel: sky,
// foliage or a brick wall.
func signBackground(rng *rand.Rand) func(x, y float64) [3]float64 {
	a, b := randColor(rng, 40, 220), randColor(rng, 40, 220)
	wave := lowFreq(rng, 5, 12)
	switch rng.IntN(3) {
	case 0: // sky, brighter to the top
		sky := jitterColor(rng, [3]float64{130, 170, 220}, 40)
		return func(x, y float64) [3]float64 {
			return mix(sky, [3]float64{235, 240, 245}, clamp01(0.6-y/60+0.1*wave(x, y)))
		}
	case 1: // foliage
		g := jitterColor(rng, [3]float64{60, 110, 45}, 30)
		return func(x, y float64) [3]float64 { return mix(g, mix(g, a, 0.3), 0.5+0.5*wave(x, y)) }
	}
	h := 3 + 2*rng.Float64() // bricks
	return func(x, y float64) [3]float64 {
		row := math.Floor(y / h)
		if math.Mod(y, h) < 0.8 || math.Mod(x+row*2.5*h, 5*h) < 0.8 {
			return mix(b, [3]float64{200, 200, 200}, 0.5)
		}
		return mix(a, b, 0.2+0.1*wave(x, y))
	}
}

// Signs draws colour road signs: a face and a border of two different
// shared colours in the class's outline, on a grey post, turned by up to
// ±12°, scaled and shifted, on a random backdrop, with noise. 40×40 by
// default.
func Signs(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("signs", SignClasses, 40, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x5165, func(rng *rand.Rand, name string) []uint8 {
		bg := signBackground(rng)
		i := rng.IntN(len(signColors))
		face, rim := signColors[i], signColors[(i+1+rng.IntN(len(signColors)-1))%len(signColors)]
		face, rim = jitterColor(rng, face, 20), jitterColor(rng, rim, 20)
		r := s * (0.26 + 0.1*rng.Float64())
		cx, cy := s/2+0.15*s*(rng.Float64()-0.5), s/2+0.15*s*(rng.Float64()-0.5)
		sin, cos := math.Sincos((rng.Float64() - 0.5) * math.Pi / 7.5)
		border, post := r*(0.12+0.08*rng.Float64()), jitterColor(rng, [3]float64{140, 140, 145}, 20)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := bg(px, py)
				if py > cy && math.Abs(px-cx) < 1.5 {
					c = post
				}
				u, v := cos*(px-cx)+sin*(py-cy), -sin*(px-cx)+cos*(py-cy)
				d := signDistance(name, u, v, r)
				c = mix(c, rim, soft(d))
				c = mix(c, face, soft(d+border))
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// spectroTrack returns the class's frequency tracks over time t in 0..1
// (bin heights in 0..1, low at 0); clicks and band are drawn apart.
func spectroTrack(rng *rand.Rand, name string) []func(t float64) float64 {
	f0 := 0.15 + 0.25*rng.Float64()
	switch name {
	case "tone":
		f := 0.2 + 0.6*rng.Float64()
		return []func(float64) float64{func(float64) float64 { return f }}
	case "harmonics":
		f := 0.12 + 0.1*rng.Float64()
		return []func(float64) float64{func(float64) float64 { return f }, func(float64) float64 { return 2 * f }, func(float64) float64 { return 3 * f }}
	case "rise", "fall":
		a, b := 0.1+0.2*rng.Float64(), 0.65+0.25*rng.Float64()
		if name == "fall" {
			a, b = b, a
		}
		return []func(float64) float64{func(t float64) float64 { return a + (b-a)*t }}
	case "vee":
		lo, hi := 0.1+0.2*rng.Float64(), 0.65+0.25*rng.Float64()
		return []func(float64) float64{func(t float64) float64 { return lo + (hi-lo)*math.Abs(2*t-1) }}
	case "vibrato":
		f, depth, rate, ph := 0.3+0.4*rng.Float64(), 0.07+0.05*rng.Float64(), 2.5+2*rng.Float64(), 2*math.Pi*rng.Float64()
		return []func(float64) float64{func(t float64) float64 { return f + depth*math.Sin(2*math.Pi*rate*t+ph) }}
	case "trill":
		lo, hi, rate := f0, f0+0.2+0.2*rng.Float64(), 4+3*rng.Float64()
		return []func(float64) float64{func(t float64) float64 {
			if math.Mod(t*rate, 1) < 0.5 {
				return lo
			}
			return hi
		}}
	case "pair":
		f := 0.2 + 0.4*rng.Float64()
		g := f + 0.1 + 0.06*rng.Float64()
		return []func(float64) float64{func(float64) float64 { return f }, func(float64) float64 { return g }}
	}
	return nil
}

// Spectro draws gray spectrograms at SpectroHeight×SpectroWidth (wide):
// a speckled noise floor that fades with frequency, and the class's
// sound (tracks, clicks across all frequencies, or a band of noise) at a
// random level, onset and length, with noise.
func Spectro(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("spectro", SpectroClasses, SpectroHeight, 0.04); err != nil {
		return nil, err
	}
	h, w := SpectroHeight, SpectroWidth
	return drawClasses(o, h, w, 1, 0x5bec7, func(rng *rand.Rand, name string) []uint8 {
		tracks := spectroTrack(rng, name)
		floor, level := 20+40*rng.Float64(), 110+100*rng.Float64()
		start, end := 0.15*rng.Float64(), 0.85+0.15*rng.Float64()
		clicks := make([]float64, 3+rng.IntN(4))
		for i := range clicks {
			clicks[i] = start + (end-start)*rng.Float64()
		}
		bandLo := 0.1 + 0.4*rng.Float64()
		bandHi := bandLo + 0.2 + 0.2*rng.Float64()
		img := make([]uint8, h*w)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				t, f := (float64(x)+0.5)/float64(w), (float64(h-y)-0.5)/float64(h)
				c := floor * (1.2 - 0.6*f) * (0.5 + rng.ExpFloat64()*0.5)
				on := 0.0
				if t >= start && t <= end {
					for k, tr := range tracks {
						df := (f - tr(t)) * float64(h)
						on = max(on, math.Exp(-df*df/1.2)*(1-0.2*float64(k)))
					}
					switch name {
					case "band":
						if f > bandLo && f < bandHi {
							on = 0.4 + 0.5*rng.Float64()
						}
					case "clicks":
						for _, ct := range clicks {
							dt := (t - ct) * float64(w)
							on = max(on, math.Exp(-dt*dt/0.8)*(1-0.4*f))
						}
					}
				}
				img[y*w+x] = clamp8(c + on*level + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// galaxyLight returns the class's brightness at (u, v), the galaxy's own
// coordinates scaled by its radius, and how much of it is the (bluer)
// disc rather than the (yellower) core.
func galaxyLight(rng *rand.Rand, name string) func(u, v float64) (float64, float64) {
	core := func(u, v, r float64) float64 { return math.Exp(-math.Hypot(u, v) / r) }
	switch name {
	case "spiral":
		arms, pitch, ph := 2+float64(rng.IntN(2)), 0.25+0.15*rng.Float64(), 2*math.Pi*rng.Float64()
		return func(u, v float64) (float64, float64) {
			r, a := math.Hypot(u, v), math.Atan2(v, u)
			arm := math.Pow(0.5+0.5*math.Cos(arms*(a-math.Log(r+0.05)/pitch+ph)), 3) * math.Exp(-r/0.55) * soft((r-1)*8)
			return 0.9*core(u, v, 0.12) + 0.8*arm, arm
		}
	case "elliptical":
		q := 0.55 + 0.4*rng.Float64()
		return func(u, v float64) (float64, float64) {
			return math.Exp(-3.5 * math.Pow(math.Hypot(u, v/q), 0.6)), 0
		}
	case "edgeon":
		q := 0.08 + 0.06*rng.Float64()
		return func(u, v float64) (float64, float64) {
			disc := math.Exp(-math.Abs(u)/0.45-math.Abs(v)/q) * soft((math.Abs(u)-1)*8)
			lane := 1 - 0.7*math.Exp(-v*v/(0.15*q*q)) // a dust lane
			return (0.9*disc + 0.5*core(u, v/0.5, 0.1)) * lane, 0.7
		}
	case "ring":
		rr, q := 0.55+0.25*rng.Float64(), 0.65+0.3*rng.Float64()
		return func(u, v float64) (float64, float64) {
			d := math.Hypot(u, v/q) - rr
			ring := math.Exp(-d * d / 0.012)
			return 0.8*core(u, v, 0.1) + 0.7*ring, ring
		}
	}
	// irregular: 4 to 7 clumps scattered about the centre
	clumps := make([][4]float64, 4+rng.IntN(4))
	for i := range clumps {
		clumps[i] = [4]float64{0.9 * rng.NormFloat64() * 0.45, 0.9 * rng.NormFloat64() * 0.45, 0.08 + 0.12*rng.Float64(), 0.5 + 0.5*rng.Float64()}
	}
	return func(u, v float64) (float64, float64) {
		b := 0.0
		for _, c := range clumps {
			b += c[3] * math.Exp(-((u-c[0])*(u-c[0])+(v-c[1])*(v-c[1]))/(2*c[2]*c[2]))
		}
		return b, 0.8
	}
}

// Galaxy draws colour galaxies on a starry sky: a dark sky with a faint
// glow and a few stars, and one galaxy of the class (size, turn, tilt,
// brightness and tint random), with noise. 48×48 by default.
func Galaxy(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("galaxy", GalaxyClasses, 48, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x9a1a, func(rng *rand.Rand, name string) []uint8 {
		sky, glow := randColor(rng, 0, 30), lowFreq(rng, 30, 80)
		stars := make([][4]float64, 3+rng.IntN(8))
		for i := range stars {
			stars[i] = [4]float64{s * rng.Float64(), s * rng.Float64(), 0.4 + 0.5*rng.Float64(), 120 + 135*rng.Float64()}
		}
		light := galaxyLight(rng, name)
		coreCol, discCol := jitterColor(rng, [3]float64{255, 225, 170}, 25), jitterColor(rng, [3]float64{150, 180, 255}, 35)
		r := s * (0.3 + 0.12*rng.Float64())
		cx, cy := s/2+0.1*s*(rng.Float64()-0.5), s/2+0.1*s*(rng.Float64()-0.5)
		sin, cos := math.Sincos(2 * math.Pi * rng.Float64())
		tilt, bright := 0.6+0.4*rng.Float64(), 0.75+0.5*rng.Float64()
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := mix(sky, [3]float64{60, 50, 80}, 0.15+0.1*glow(px, py))
				for _, st := range stars {
					c = mix(c, [3]float64{st[3], st[3], st[3]}, math.Exp(-((px-st[0])*(px-st[0])+(py-st[1])*(py-st[1]))/(2*st[2]*st[2])))
				}
				u, v := (cos*(px-cx)+sin*(py-cy))/r, (-sin*(px-cx)+cos*(py-cy))/(r*tilt)
				b, disc := light(u, v)
				col := mix(coreCol, discCol, disc)
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + min(b*bright, 1.2)*col[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}
