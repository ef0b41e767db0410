package faults

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cnnscope/cnnscope/data"
)

// The seventh held-out part's data generators ("seventh", issue 10
// seventh round). They were written, with the seventh scenarios, before
// any detector or threshold of that round was changed, and draw images
// unlike every earlier part: colour sky photographs over a skyline at a
// larger 64×64 (five kinds of weather), gray hand-cut runes in sixteen
// classes at 24×24 (a many-class set of few images per class), colour
// pills on a tray at 40×40 (three kinds, used imbalanced) and colour
// bottles on a shelf at a tall non-square 48×32 (how full they are).

// SkyClasses are the skies Skies can draw.
var SkyClasses = []string{"clear", "cumulus", "overcast", "storm", "sunset"}

// RuneClasses are the runes Runes can draw: each a fixed set of three
// strokes (runeStrokes), the names only labels.
var RuneClasses = []string{"fehu", "uruz", "thurisaz", "ansuz", "raido", "kaunan", "gebo", "wunjo",
	"hagalaz", "naudiz", "isaz", "jera", "eihwaz", "perthro", "algiz", "sowilo"}

// PillClasses are the pills Pills can draw: round scored tablets,
// two-coloured capsules and translucent oval softgels.
var PillClasses = []string{"tablet", "capsule", "softgel"}

// BottleClasses are the fill levels Bottles can draw.
var BottleClasses = []string{"full", "low", "empty"}

// BottleHeight and BottleWidth are the bottles' (tall) size.
const BottleHeight, BottleWidth = 48, 32

// skyColor returns the class's sky colour at (x, y) above the horizon
// at hy (image coordinates, s the image size).
func skyColor(rng *rand.Rand, name string, s, hy float64) func(x, y float64) [3]float64 {
	haze := lowFreq(rng, 10, 30)
	switch name {
	case "clear": // a blue gradient and a sun disk with a glow
		top, low := jitterColor(rng, [3]float64{60, 120, 210}, 30), jitterColor(rng, [3]float64{170, 200, 235}, 20)
		sx, sy, sr := s*(0.15+0.7*rng.Float64()), hy*(0.2+0.4*rng.Float64()), 2.5+2*rng.Float64()
		return func(x, y float64) [3]float64 {
			c := mix(top, low, clamp01(y/hy))
			d := math.Hypot(x-sx, y-sy)
			return mix(mix(c, [3]float64{255, 250, 225}, 0.5*math.Exp(-d*d/(9*sr*sr))), [3]float64{255, 255, 240}, soft(d-sr))
		}
	case "cumulus": // white puffs with grey bases on blue
		puffs := leafSpots(rng, 5+rng.IntN(6), s, 3, 7)
		top := jitterColor(rng, [3]float64{70, 130, 210}, 30)
		return func(x, y float64) [3]float64 {
			c := mix(top, [3]float64{180, 205, 235}, clamp01(y/hy))
			for _, p := range puffs {
				if p.y > hy-4 {
					continue
				}
				d := math.Hypot(x-p.x, (y-p.y)*1.4) - p.r*(1+0.25*haze(x, y))
				shade := 250 - 60*clamp01((y-p.y)/p.r)
				c = mix(c, [3]float64{shade, shade, shade + 4}, soft(d))
			}
			return c
		}
	case "overcast": // an even grey deck with soft, low-contrast folds
		g := 140 + 60*rng.Float64()
		return func(x, y float64) [3]float64 {
			v := g + 12*haze(x, y) - 10*clamp01(y/hy)
			return [3]float64{v, v + 2, v + 6}
		}
	case "storm": // dark cloud, slanted rain streaks, sometimes a bolt
		g, slant := 45+35*rng.Float64(), 0.3*(rng.Float64()-0.5)
		period, bolt := 2.5+1.5*rng.Float64(), walk(rng, s*(0.2+0.6*rng.Float64()), 2, math.Pi/2, 3, 0.6, int(hy/3))
		flash := rng.IntN(2) == 0
		return func(x, y float64) [3]float64 {
			v := g + 15*haze(x, y)
			if math.Abs(math.Mod(x+slant*y+4*s, period)-period/2) < 0.35 {
				v += 35
			}
			c := [3]float64{v, v + 3, v + 10}
			if flash {
				c = mix(c, [3]float64{240, 240, 255}, soft(segmentsDistance(bolt, x, y)-0.6))
			}
			return c
		}
	}
	top, glow := jitterColor(rng, [3]float64{90, 60, 130}, 30), jitterColor(rng, [3]float64{245, 140, 50}, 25) // sunset
	sx := s * (0.2 + 0.6*rng.Float64())
	return func(x, y float64) [3]float64 {
		c := mix(top, glow, clamp01(math.Pow(y/hy, 1.5)+0.05*haze(x, y)))
		d := math.Hypot(x-sx, y-hy)
		return mix(c, [3]float64{255, 220, 120}, soft(d-4)+0.3*math.Exp(-d*d/150))
	}
}

// Skies draws colour sky photographs: the class's weather above a
// skyline of hills, trees or roofs in a dark random colour, the horizon
// at a random height, the exposure varied, with noise. 64×64 by default.
func Skies(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("skies", SkyClasses, 64, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x5c1e5, func(rng *rand.Rand, name string) []uint8 {
		hy := s * (0.62 + 0.2*rng.Float64())
		sky, ridge, bumps := skyColor(rng, name, s, hy), lowFreq(rng, 12, 40), lowFreq(rng, 2, 5)
		ground := randColor(rng, 15, 80)
		roughness, gain := 2*rng.Float64(), 0.8+0.35*rng.Float64()
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := sky(px, py)
				line := hy + 3*ridge(px, 0) + roughness*bumps(px, 0)
				c = mix(c, mix(ground, [3]float64{0, 0, 0}, clamp01((py-line)/s)), soft(line-py))
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch]*gain + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// runeStrokes are the runes' strokes, three per class between points of
// a 3-wide, 4-tall grid in the unit box: drawn from a fixed stream, each
// a stave-like or diagonal stroke of one or two grid steps, and no two
// classes sharing more than one stroke.
var runeStrokes = func() [][][4]float64 {
	var cands [][4]float64
	for a := 0; a < 12; a++ {
		for b := a + 1; b < 12; b++ {
			dx, dy := b%3-a%3, b/3-a/3
			if max(abs(dx), abs(dy)) <= 2 && (dx == 0 || dy == 0 || abs(dx) == abs(dy)) {
				cands = append(cands, [4]float64{float64(a%3) / 2, float64(a/3) / 3, float64(b%3) / 2, float64(b/3) / 3})
			}
		}
	}
	rng := rand.New(rand.NewPCG(0x7e5, 1))
	var out [][][4]float64
	for len(out) < len(RuneClasses) {
		perm := rng.Perm(len(cands))
		set := [][4]float64{cands[perm[0]], cands[perm[1]], cands[perm[2]]}
		if !slices.ContainsFunc(out, func(o [][4]float64) bool { return shared(o, set) > 1 }) {
			out = append(out, set)
		}
	}
	return out
}()

func abs(i int) int { return max(i, -i) }

// shared counts the strokes two sets have in common.
func shared(a, b [][4]float64) int {
	n := 0
	for _, s := range a {
		if slices.Contains(b, s) {
			n++
		}
	}
	return n
}

// Runes draws gray runes cut or painted by hand: the class's three
// strokes, the box scaled, turned by up to ±12° and shifted, each end
// moved a little, the stroke width varied, dark on stained light stone
// or light on dark, with noise. 24×24 by default.
func Runes(o GenOptions) (*data.Dataset, error) {
	idx, err := o.check("runes", RuneClasses, 24, 0.05)
	if err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0x2e5e, func(rng *rand.Rand, name string) []uint8 {
		h := s * (0.55 + 0.12*rng.Float64())
		w := h * (0.5 + 0.15*rng.Float64())
		sin, cos := math.Sincos((rng.Float64() - 0.5) * 0.42)
		cx, cy := s/2+2*(rng.Float64()-0.5), s/2+2*(rng.Float64()-0.5)
		place := func(u, v float64) (float64, float64) {
			u, v = (u-0.5)*w+0.6*(rng.Float64()-0.5), (v-0.5)*h+0.6*(rng.Float64()-0.5)
			return cx + cos*u - sin*v, cy + sin*u + cos*v
		}
		var segs [][4]float64
		for _, st := range runeStrokes[idx[name]] {
			x0, y0 := place(st[0], st[1])
			x1, y1 := place(st[2], st[3])
			segs = append(segs, [4]float64{x0, y0, x1, y1})
		}
		half, stain := 0.6+0.6*rng.Float64(), lowFreq(rng, 6, 16)
		stone, ink := 150+80*rng.Float64(), 20+70*rng.Float64()
		if rng.IntN(4) == 0 {
			stone, ink = ink, stone
		}
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := stone + 14*stain(px, py)
				c += (ink - c) * soft(segmentsDistance(segs, px, py)-half)
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// pillShape returns the class's pill at (u, v) in the pill's own frame
// (centred, long axis along u): its colour and coverage.
func pillShape(rng *rand.Rand, name string) func(u, v float64) ([3]float64, float64) {
	switch name {
	case "tablet": // a round tablet, pale, with a score line and a rim
		r, col := 7.5+3*rng.Float64(), jitterColor(rng, [3]float64{225, 220, 210}, 30)
		return func(u, v float64) ([3]float64, float64) {
			d := math.Hypot(u, v)
			c := mix(col, [3]float64{0, 0, 0}, 0.25*clamp01(1-(r-d)/1.5))
			if math.Abs(v) < 0.6 && d < r-1.5 {
				c = mix(c, [3]float64{0, 0, 0}, 0.35)
			}
			return c, soft(d - r)
		}
	case "capsule": // a stadium of two halves in two colours
		half, length := 4.5+1.5*rng.Float64(), 10+3*rng.Float64()
		a, b := randColor(rng, 40, 240), randColor(rng, 40, 240)
		return func(u, v float64) ([3]float64, float64) {
			d := math.Hypot(max(math.Abs(u)-(length-half), 0), v) - half
			c := a
			if u > 0 {
				c = b
			}
			c = mix(c, [3]float64{255, 255, 255}, 0.6*math.Exp(-sq(v+half*0.45)/2))
			return c, soft(d)
		}
	}
	ra, rb := 9+2.5*rng.Float64(), 5.5+1.5*rng.Float64() // softgel: a translucent oval
	col := jitterColor(rng, [3]float64{210, 150, 40}, 35)
	return func(u, v float64) ([3]float64, float64) {
		d := (math.Hypot(u/ra, v/rb) - 1) * rb
		c := mix(col, [3]float64{255, 250, 220}, 0.8*math.Exp(-(sq(u+ra*0.35)+sq(v+rb*0.4))/3))
		return c, 0.75 * soft(d)
	}
}

// Pills draws colour photographs of one pill on a tray: the class's pill
// at a random place and turn, on a tray of a random colour with a weave
// and uneven light, a soft shadow under it, with noise. 40×40 by default.
func Pills(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("pills", PillClasses, 40, 0.03); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x9111, func(rng *rand.Rand, name string) []uint8 {
		pill, tray := pillShape(rng, name), randColor(rng, 60, 200)
		weave, light := lowFreq(rng, 2, 5), lowFreq(rng, 20, 60)
		sin, cos := math.Sincos(2 * math.Pi * rng.Float64())
		cx, cy := s/2+8*(rng.Float64()-0.5), s/2+8*(rng.Float64()-0.5)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5-cx, float64(y)+0.5-cy
				c := mix(tray, [3]float64{0, 0, 0}, 0.08*(1+weave(px, py)))
				_, shadow := pill(cos*(px-1.5)+sin*(py-1.5), -sin*(px-1.5)+cos*(py-1.5))
				c = mix(c, [3]float64{0, 0, 0}, 0.3*shadow)
				pc, cover := pill(cos*px+sin*py, -sin*px+cos*py)
				c = mix(c, pc, cover)
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch]*(1+0.1*light(px, py)) + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// bottleFill is the share of the body a class's liquid fills.
func bottleFill(rng *rand.Rand, name string) float64 {
	switch name {
	case "full":
		return 0.72 + 0.23*rng.Float64()
	case "low":
		return 0.12 + 0.25*rng.Float64()
	}
	return 0
}

// Bottles draws colour photographs of a glass bottle on a shelf: a body,
// shoulder and neck of random size and tint, the liquid of a random
// colour up to the class's level (its surface catching the light), a highlight on the glass, before a
// wall and shelf of random colours, with noise. 48×32 (tall) by default;
// Size sets the height, the width is two thirds of it.
func Bottles(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("bottles", BottleClasses, BottleHeight, 0.03); err != nil {
		return nil, err
	}
	h := o.Size
	w := h * 2 / 3
	sh, sw := float64(h), float64(w)
	return drawClasses(o, h, w, 3, 0xb0771e, func(rng *rand.Rand, name string) []uint8 {
		cx, bw, nw := sw/2+3*(rng.Float64()-0.5), sw*(0.2+0.08*rng.Float64()), sw*(0.07+0.03*rng.Float64())
		bottom, shoulder := sh*(0.9+0.04*rng.Float64()), sh*(0.4+0.1*rng.Float64())
		top, taper := sh*(0.06+0.06*rng.Float64()), sh*0.12
		level := bottom - bottleFill(rng, name)*(bottom-shoulder)
		glass, liquid := jitterColor(rng, [3]float64{120, 150, 110}, 50), randColor(rng, 20, 180)
		wall, shelf, light := randColor(rng, 80, 230), randColor(rng, 40, 160), lowFreq(rng, 15, 40)
		img := make([]uint8, h*w*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := wall
				if py > bottom {
					c = shelf
				}
				half := bw
				switch {
				case py < shoulder-taper:
					half = nw
				case py < shoulder:
					half = nw + (bw-nw)*(1-(shoulder-py)/taper)
				}
				if in := soft(math.Abs(px-cx)-half) * soft(top-py) * soft(py-bottom); in > 0 {
					g := mix(c, glass, 0.45)
					if py > level {
						g = mix(g, liquid, 0.9)
					}
					if level < bottom { // the meniscus catches the light
						g = mix(g, [3]float64{245, 245, 235}, 0.7*soft(math.Abs(py-level)-0.4))
					}
					g = mix(g, [3]float64{255, 255, 255}, 0.5*math.Exp(-sq(px-cx+0.5*half)/1.5))
					c = mix(c, g, in)
				}
				for ch := range c {
					img[(y*w+x)*3+ch] = clamp8(c[ch]*(1+0.1*light(px, py)) + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}
