package faults

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
)

// The fourth held-out part's data generators ("novel", issue 10 fourth
// round). They were written, with the novel scenarios, before any
// detector or threshold of that round was changed, and draw images unlike
// every earlier part: colour woven fabrics seen thread by thread (32×32),
// gray domino tiles counted by their pips (ten classes, 24×24), colour
// fruit on cluttered tablecloths (48×48) and colour oscilloscope traces
// at a wide non-square size (24×48).

// WeaveClasses are the weaves Weave can draw. twill and herringbone (the
// same diagonal, reversed every few threads) are the hard pair.
var WeaveClasses = []string{"plain", "twill", "satin", "basket", "herringbone"}

// PipClasses are the pip counts Pips can draw on a domino half (0 to 9,
// the double-nine set's layouts).
var PipClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// FruitClasses are the fruit Fruit can draw. Colours overlap between
// classes (green apples, limes, green grapes), so the shape decides.
var FruitClasses = []string{"apple", "lemon", "banana", "grapes", "cherries"}

// ScopeClasses are the waveforms Scope can draw. sine and triangle are
// the hard pair.
var ScopeClasses = []string{"sine", "triangle", "square", "sawtooth", "pulses", "noise"}

// ScopeHeight and ScopeWidth are the traces' (wide) size.
const ScopeHeight, ScopeWidth = 24, 48

// drawClasses generates o.Counts[k] images of each class with draw, each
// h×w×ch, in class order.
func drawClasses(o GenOptions, h, w, ch int, stream uint64, draw func(rng *rand.Rand, name string) []uint8) (*data.Dataset, error) {
	rng := rand.New(rand.NewPCG(o.Seed, stream))
	ds := &data.Dataset{Height: h, Width: w, Channels: ch, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			ds.Pixels = append(ds.Pixels, draw(rng, name)...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// Weave draws colour woven fabric: warp and weft threads of two random
// colours, each thread shaded as a cylinder, the class deciding which
// thread lies on top at every crossing; the cloth is turned by up to
// ±8°, with a random thread pitch, light fall-off and fuzz. 32×32 by
// default.
func Weave(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("weave", WeaveClasses, 32, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	return drawClasses(o, n, n, 3, 0x3ea7e, func(rng *rand.Rand, name string) []uint8 {
		warp := randColor(rng, 20, 235)
		weft := randColor(rng, 20, 235)
		if lum(warp)-lum(weft) < 60 && lum(weft)-lum(warp) < 60 { // keep the weave visible
			for c := range weft {
				weft[c] = 255 - warp[c]*0.8
			}
		}
		pitch := 3.4 + 1.2*rng.Float64()
		sin, cos := math.Sincos((rng.Float64() - 0.5) * math.Pi / 11)
		ou, ov := 8*pitch*rng.Float64(), 8*pitch*rng.Float64()
		light := lowFreq(rng, 30, 80)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				u, v := cos*px+sin*py+ou, -sin*px+cos*py+ov
				i, j := int(math.Floor(u/pitch)), int(math.Floor(v/pitch))
				fu, fv := u/pitch-float64(i), v/pitch-float64(j)
				col, across := weft, fv
				if weaveWarpUp(name, i, j) {
					col, across = warp, fu
				}
				shade := (0.55 + 0.45*math.Sin(math.Pi*across)) * (1 + 0.12*light(px, py))
				for c := range col {
					img[(y*n+x)*3+c] = clamp8(shade*col[c] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// lum is a colour's mean level.
func lum(c [3]float64) float64 { return (c[0] + c[1] + c[2]) / 3 }

// mod is i mod m in 0..m-1.
func mod(i, m int) int { return ((i % m) + m) % m }

// floorDiv is i/m rounded down.
func floorDiv(i, m int) int { return (i - mod(i, m)) / m }

// weaveWarpUp reports whether the warp thread (column i) lies over the
// weft thread (row j) in the weave.
func weaveWarpUp(name string, i, j int) bool {
	switch name {
	case "plain":
		return mod(i+j, 2) == 0
	case "twill":
		return mod(i+j, 4) < 2
	case "satin":
		return mod(2*i-j, 5) != 0
	case "basket":
		return mod(floorDiv(i, 2)+floorDiv(j, 2), 2) == 0
	}
	// herringbone: a 2/2 twill whose diagonal turns every 4 warp threads
	if mod(i, 8) < 4 {
		return mod(i+j, 4) < 2
	}
	return mod(j-i, 4) < 2
}

// pipLayouts are the pip positions of each count on a 3×3 grid (column,
// row, each -1, 0 or 1).
var pipLayouts = map[string][][2]int{
	"0": {},
	"1": {{0, 0}},
	"2": {{-1, -1}, {1, 1}},
	"3": {{-1, -1}, {0, 0}, {1, 1}},
	"4": {{-1, -1}, {1, -1}, {-1, 1}, {1, 1}},
	"5": {{-1, -1}, {1, -1}, {-1, 1}, {1, 1}, {0, 0}},
	"6": {{-1, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {1, 1}},
	"7": {{-1, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {1, 1}, {0, 0}},
	"8": {{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}},
	"9": {{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {0, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}},
}

// Pips draws gray domino halves: a square tile (light with dark pips, or
// now and then dark with light pips), turned by up to ±15° and by a
// random quarter turn, shifted and scaled, casting a soft shadow on a
// grained table, with noise. 24×24 by default.
func Pips(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("pips", PipClasses, 24, 0.04); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0xd1ce5, func(rng *rand.Rand, name string) []uint8 {
		half := s / 2 * (0.68 + 0.2*rng.Float64())
		cx, cy := s/2+s*0.1*(rng.Float64()-0.5), s/2+s*0.1*(rng.Float64()-0.5)
		sin, cos := math.Sincos((rng.Float64()-0.5)*math.Pi/6 + float64(rng.IntN(4))*math.Pi/2)
		tile, pip := 185+60*rng.Float64(), 15+60*rng.Float64()
		if rng.IntN(5) == 0 {
			tile, pip = pip+20, tile
		}
		table, grain, phase := 70+80*rng.Float64(), 0.6+0.8*rng.Float64(), 2*math.Pi*rng.Float64()
		radius, spread := half*(0.15+0.04*rng.Float64()), half*0.56
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				// the tile's own coordinates
				u, v := cos*(px-cx)+sin*(py-cy), -sin*(px-cx)+cos*(py-cy)
				bg := table + 18*math.Sin(grain*(px+0.3*py)+phase+2*math.Sin(0.2*py))
				bg *= 1 - 0.35*soft(max(math.Abs(u-1.2), math.Abs(v-1.2))-half) // shadow
				c := bg + soft(max(math.Abs(u), math.Abs(v))-half)*(tile-bg)
				for _, p := range pipLayouts[name] {
					c += soft(math.Hypot(u-float64(p[0])*spread, v-float64(p[1])*spread)-radius) * (pip - c)
				}
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// Fruit draws colour fruit on a cluttered table: a tablecloth (gingham,
// wood or linen), a few leaves and crumbs, and one fruit of the class
// (colour from the fruit's own range, size, turn and position random),
// shaded with a highlight, with noise. 48×48 by default.
func Fruit(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("fruit", FruitClasses, 48, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0xf2017, func(rng *rand.Rand, name string) []uint8 {
		cloth := tablecloth(rng)
		clutter := fruitClutter(rng, s)
		r := s * (0.15 + 0.06*rng.Float64())
		cx, cy := s/2+s*0.16*(rng.Float64()-0.5), s/2+s*0.16*(rng.Float64()-0.5)
		turn := (rng.Float64() - 0.5) * math.Pi / 4.5
		if name == "banana" || name == "lemon" {
			turn = 2 * math.Pi * rng.Float64()
		}
		sin, cos := math.Sincos(turn)
		shape := fruitShape(rng, name, r)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := cloth(px, py)
				clutter(px, py, &c)
				u, v := cos*(px-cx)+sin*(py-cy), -sin*(px-cx)+cos*(py-cy)
				if col, cover := shape(u, v); cover > 0 {
					c = mix(c, col, cover)
				}
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// tablecloth returns a random cloth's colour at a pixel.
func tablecloth(rng *rand.Rand) func(x, y float64) [3]float64 {
	a, b := randColor(rng, 120, 250), randColor(rng, 60, 200)
	wave := lowFreq(rng, 25, 70)
	switch rng.IntN(3) {
	case 0: // gingham
		p := 5 + 6*rng.Float64()
		return func(x, y float64) [3]float64 {
			on := 0.0
			if math.Mod(x, 2*p) < p {
				on += 0.5
			}
			if math.Mod(y, 2*p) < p {
				on += 0.5
			}
			return mix(a, b, on)
		}
	case 1: // wood
		b = jitterColor(rng, [3]float64{120, 80, 45}, 30)
		f := 0.4 + 0.5*rng.Float64()
		return func(x, y float64) [3]float64 {
			return mix(b, mix(b, [3]float64{60, 40, 25}, 0.5), 0.5+0.5*math.Sin(f*y+3*wave(x, y)))
		}
	}
	return func(x, y float64) [3]float64 { return mix(a, b, 0.3+0.2*wave(x, y)) } // linen
}

// fruitClutter returns a painter of 2 to 4 leaves and a few crumbs.
func fruitClutter(rng *rand.Rand, s float64) func(x, y float64, c *[3]float64) {
	type leaf struct{ cx, cy, a, b, sin, cos float64 }
	leaves := make([]leaf, 2+rng.IntN(3))
	for i := range leaves {
		sin, cos := math.Sincos(math.Pi * rng.Float64())
		leaves[i] = leaf{s * rng.Float64(), s * rng.Float64(), s * (0.1 + 0.08*rng.Float64()), s * (0.03 + 0.02*rng.Float64()), sin, cos}
	}
	green := jitterColor(rng, [3]float64{50, 110, 40}, 25)
	crumbs := make([][3]float64, rng.IntN(6))
	for i := range crumbs {
		crumbs[i] = [3]float64{s * rng.Float64(), s * rng.Float64(), 0.5 + 0.7*rng.Float64()}
	}
	return func(x, y float64, c *[3]float64) {
		for _, l := range leaves {
			u, v := l.cos*(x-l.cx)+l.sin*(y-l.cy), -l.sin*(x-l.cx)+l.cos*(y-l.cy)
			*c = mix(*c, green, soft((math.Hypot(u/l.a, v/l.b)-1)*l.b))
		}
		for _, k := range crumbs {
			*c = mix(*c, [3]float64{90, 70, 50}, 0.7*soft(math.Hypot(x-k[0], y-k[1])-k[2]))
		}
	}
}

// fruitColors are each fruit's colour range (one is drawn and jittered).
var fruitColors = map[string][][3]float64{
	"apple":    {{185, 30, 35}, {120, 180, 50}, {215, 185, 60}},
	"lemon":    {{235, 210, 50}, {110, 180, 55}},
	"banana":   {{230, 200, 60}, {170, 190, 70}},
	"grapes":   {{95, 40, 110}, {150, 190, 80}},
	"cherries": {{160, 15, 35}, {200, 30, 45}},
}

// fruitShape returns the fruit's colour and coverage at (u, v), the
// fruit's own coordinates (y down), for a fruit of radius about r.
func fruitShape(rng *rand.Rand, name string, r float64) func(u, v float64) ([3]float64, float64) {
	cols := fruitColors[name]
	base := jitterColor(rng, cols[rng.IntN(len(cols))], 25)
	stem := jitterColor(rng, [3]float64{90, 60, 30}, 20)
	lit := func(u, v, cu, cv, rr float64) [3]float64 { // a highlight up left, darker at the rim
		d := math.Hypot(u-cu+0.35*rr, v-cv+0.35*rr) / rr
		rim := math.Hypot(u-cu, v-cv) / rr
		return mix(mix(base, [3]float64{255, 255, 255}, 0.45*math.Exp(-d*d/0.08)), [3]float64{0, 0, 0}, 0.3*rim*rim)
	}
	line := func(u, v float64, seg [4]float64, w float64) float64 {
		return soft(segmentsDistance([][4]float64{seg}, u, v) - w/2)
	}
	switch name {
	case "apple":
		return func(u, v float64) ([3]float64, float64) {
			body := soft((math.Hypot(u, v*1.08) - r)) * (1 - soft(math.Hypot(u, v+1.05*r)-0.28*r))
			if st := line(u, v, [4]float64{0, -0.75 * r, 0.15 * r, -1.3 * r}, 1.4); st > body {
				return stem, st
			}
			return lit(u, v, 0, 0, r), body
		}
	case "lemon":
		a, b := 1.35*r, 0.9*r
		return func(u, v float64) ([3]float64, float64) {
			body := max(soft((math.Hypot(u/a, v/b)-1)*b), soft(math.Hypot(math.Abs(u)-a, v)-0.2*r))
			return lit(u, v, 0, 0, a), body
		}
	case "banana":
		big := 1.7 * r
		c1 := big * 0.5
		return func(u, v float64) ([3]float64, float64) {
			body := soft(math.Hypot(u, v-c1)-big) * (1 - soft(math.Hypot(u, v-c1-0.55*r)-big))
			col := mix(base, [3]float64{0, 0, 0}, 0.25*clamp01((v-c1+big)/(0.6*r)))
			if math.Abs(u) > 0.8*big {
				col = mix(col, stem, 0.8)
			}
			return col, body
		}
	case "grapes":
		var berries [][3]float64
		gr := 0.3 * r
		for row := 0; row < 4; row++ {
			for k := 0; k < 4-row; k++ {
				if rng.IntN(6) > 0 {
					bu := (float64(k)-float64(3-row)/2)*1.85*gr + 0.3*gr*rng.NormFloat64()
					berries = append(berries, [3]float64{bu, (float64(row)-1.3)*1.7*gr + 0.3*gr*rng.NormFloat64(), gr * (0.9 + 0.2*rng.Float64())})
				}
			}
		}
		return func(u, v float64) ([3]float64, float64) {
			if st := line(u, v, [4]float64{0, -2.2 * gr * 1.7, 0.3 * gr, -3.3 * gr * 1.7}, 1.2); st > 0 {
				return stem, st
			}
			for i := len(berries) - 1; i >= 0; i-- {
				bb := berries[i]
				if cover := soft(math.Hypot(u-bb[0], v-bb[1]) - bb[2]); cover > 0 {
					return lit(u, v, bb[0], bb[1], bb[2]), cover
				}
			}
			return base, 0
		}
	}
	// cherries: two small fruit on stems that meet above them
	cr := 0.48 * r
	top := [2]float64{0.25 * r, -1.35 * r}
	green := jitterColor(rng, [3]float64{70, 120, 40}, 20)
	return func(u, v float64) ([3]float64, float64) {
		for _, cu := range []float64{-0.6 * r, 0.6 * r} {
			if cover := soft(math.Hypot(u-cu, v-0.55*r) - cr); cover > 0 {
				return lit(u, v, cu, 0.55*r, cr), cover
			}
		}
		st := max(line(u, v, [4]float64{-0.6 * r, 0.55*r - cr, top[0], top[1]}, 1.2), line(u, v, [4]float64{0.6 * r, 0.55*r - cr, top[0], top[1]}, 1.2))
		return green, st
	}
}

// Scope draws colour oscilloscope screens at ScopeHeight×ScopeWidth (wide):
// a dark screen with a dim graticule and one glowing trace of the class's
// waveform (period, amplitude, phase, offset, polarity and colour random),
// with noise.
func Scope(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("scope", ScopeClasses, ScopeHeight, 0.03); err != nil {
		return nil, err
	}
	h, w := ScopeHeight, ScopeWidth
	return drawClasses(o, h, w, 3, 0x5c0be, func(rng *rand.Rand, name string) []uint8 {
		screen := randColor(rng, 5, 45)
		grid := mix(screen, [3]float64{120, 120, 120}, 0.25+0.2*rng.Float64())
		trace := scopeTraceColors[rng.IntN(len(scopeTraceColors))]
		trace = jitterColor(rng, trace, 30)
		cell := 6 + 2*float64(rng.IntN(2))
		const step = 0.5
		wave := scopeWave(rng, name)
		period, amp := 10+12*rng.Float64(), 5+4*rng.Float64()
		phase, mid, sign := rng.Float64(), float64(h)/2+2*(rng.Float64()-0.5), float64(1-2*rng.IntN(2))
		pts := make([][2]float64, int(float64(w)/step)+1)
		for i := range pts {
			x := float64(i) * step
			pts[i] = [2]float64{x, mid - sign*amp*wave(x/period+phase)}
		}
		width := 1 + 0.6*rng.Float64()
		img := make([]uint8, h*w*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := screen
				if math.Mod(px, cell) < 1 || math.Mod(py, cell) < 1 {
					c = grid
				}
				d := math.Inf(1)
				for i := max(int((px-3)/step), 1); i < min(int((px+3)/step)+1, len(pts)); i++ {
					d = min(d, segmentsDistance([][4]float64{{pts[i-1][0], pts[i-1][1], pts[i][0], pts[i][1]}}, px, py))
				}
				c = mix(c, trace, max(soft(d-width/2), 0.35*math.Exp(-d*d/3)))
				for ch := range c {
					img[(y*w+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// scopeTraceColors are phosphor and LCD trace colours.
var scopeTraceColors = [][3]float64{{80, 240, 90}, {240, 230, 70}, {70, 220, 240}, {240, 110, 220}, {250, 150, 50}}

// scopeWave returns the class's waveform over phase t (period 1), in -1..1.
func scopeWave(rng *rand.Rand, name string) func(t float64) float64 {
	frac := func(t float64) float64 { return t - math.Floor(t) }
	switch name {
	case "sine":
		return func(t float64) float64 { return math.Sin(2 * math.Pi * t) }
	case "triangle":
		return func(t float64) float64 { return 1 - 4*math.Abs(frac(t)-0.5) }
	case "square":
		return func(t float64) float64 { return 1 - 2*math.Floor(2*frac(t)) }
	case "sawtooth":
		return func(t float64) float64 { return 2*frac(t) - 1 }
	case "pulses":
		duty := 0.08 + 0.08*rng.Float64()
		return func(t float64) float64 {
			if frac(t) < duty {
				return 1
			}
			return -1
		}
	}
	// noise: random levels, 6 to 12 a period, joined by straight lines
	knots := make([]float64, 128)
	for i := range knots {
		knots[i] = 2*rng.Float64() - 1
	}
	rate := 6 + 6*rng.Float64() // knots per period
	return func(t float64) float64 {
		k := t * rate
		i := int(math.Floor(k))
		f := k - float64(i)
		return knots[mod(i, 128)]*(1-f) + knots[mod(i+1, 128)]*f
	}
}
