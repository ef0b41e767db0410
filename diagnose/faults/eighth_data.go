package faults

import (
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/data"
)

// The eighth held-out part's data generators ("eighth", issue 10 eighth
// round). They were written, with the eighth scenarios, before any
// detector or threshold of that round was changed, and draw images
// unlike every earlier part: colour playing-card suits on a card corner
// over table felt (36×36), colour chart thumbnails at a wide 32×48
// (bars, line, pie, scatter), gray n-fold rosettes at 28×28 (six classes
// by their symmetry) and gray particle-detector tracks at 32×32 (a
// straight track, a shower from a vertex, a curling spiral), used as a
// two-class and an imbalanced set.

// SuitClasses are the suits Suits can draw. The ink's colour does not
// tell the suit (a quarter of the cards use a four-colour deck), so the
// shape decides.
var SuitClasses = []string{"hearts", "diamonds", "clubs", "spades"}

// ChartClasses are the chart kinds Charts can draw.
var ChartClasses = []string{"bars", "line", "pie", "scatter"}

// RosetteClasses are the rosettes' symmetry orders Rosettes can draw.
var RosetteClasses = []string{"3", "4", "5", "6", "7", "8"}

// TrackClasses are the events Tracks can draw.
var TrackClasses = []string{"muon", "shower", "spiral"}

// ChartHeight and ChartWidth are the charts' (wide) size.
const ChartHeight, ChartWidth = 32, 48

// suitDistance is the signed distance (negative inside, in units of the
// symbol's size r) from (u, v) to the suit's symbol centred at 0, v
// growing downwards.
func suitDistance(name string, u, v float64) float64 {
	circle := func(cx, cy, r float64) float64 { return math.Hypot(u-cx, v-cy) - r }
	stem := func() float64 { // a flared foot under the symbol
		if v < 0.15 || v > 0.95 {
			return math.Max(0.15-v, v-0.95)
		}
		return math.Abs(u) - (0.08 + 0.3*(v-0.15))
	}
	switch name {
	case "hearts": // two lobes above a point at the bottom
		tri := math.Max(-0.2-v, 0.79*(math.Abs(u)+0.77*v-0.7))
		return math.Min(math.Min(circle(-0.42, -0.2, 0.45), circle(0.42, -0.2, 0.45)), tri)
	case "diamonds":
		return (math.Abs(u)/0.7 + math.Abs(v)/0.95 - 1) * 0.55
	case "clubs": // three round leaves and a foot
		leaves := math.Min(circle(0, -0.5, 0.36), math.Min(circle(-0.42, 0.02, 0.36), circle(0.42, 0.02, 0.36)))
		return math.Min(math.Min(leaves, circle(0, -0.1, 0.2)), stem())
	}
	// spades: a point at the top over two lobes, and a foot
	tri := math.Max(v-0.15, 0.78*(math.Abs(u)-0.81*v-0.73))
	body := math.Min(math.Min(circle(-0.42, 0.15, 0.45), circle(0.42, 0.15, 0.45)), tri)
	return math.Min(body, stem())
}

// Suits draws colour photographs of a playing card's corner: the suit's
// symbol at a random size, place and turn (up to ±20°) on a cream card
// with a shadowed edge, over green, blue or red felt, the ink red for
// hearts and diamonds and black for clubs and spades, or on a quarter of
// the cards a four-colour deck's (any of the four inks), with noise.
// 36×36 by default.
func Suits(o GenOptions) (*data.Dataset, error) {
	idx, err := o.check("suits", SuitClasses, 36, 0.04)
	if err != nil {
		return nil, err
	}
	inks := [][3]float64{{200, 30, 35}, {40, 60, 190}, {30, 140, 60}, {25, 25, 30}}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 3, 0x5a175, func(rng *rand.Rand, name string) []uint8 {
		ink := inks[3]
		if idx[name] < 2 {
			ink = inks[0]
		}
		if rng.IntN(4) == 0 {
			ink = inks[rng.IntN(4)]
		}
		ink = jitterColor(rng, ink, 25)
		felt := jitterColor(rng, [][3]float64{{30, 110, 55}, {35, 60, 120}, {120, 30, 40}}[rng.IntN(3)], 25)
		card, edge := jitterColor(rng, [3]float64{240, 235, 220}, 15), s*(0.08+0.12*rng.Float64())
		r := s * (0.22 + 0.08*rng.Float64())
		cx, cy := s/2+4*(rng.Float64()-0.5), s/2+4*(rng.Float64()-0.5)
		sin, cos := math.Sincos(0.7 * (rng.Float64() - 0.5))
		light := lowFreq(rng, 20, 60)
		img := make([]uint8, n*n*3)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := mix(felt, [3]float64{0, 0, 0}, 0.4*soft(edge-2-px)*soft(edge-2-py)) // the card's shadow
				c = mix(c, card, soft(edge-px)*soft(edge-py))
				u, v := (cos*(px-cx)+sin*(py-cy))/r, (-sin*(px-cx)+cos*(py-cy))/r
				c = mix(c, ink, soft(suitDistance(name, u, v)*r))
				for ch := range c {
					img[(y*n+x)*3+ch] = clamp8(c[ch]*(1+0.08*light(px, py)) + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// chartSeries returns the class's chart marks inside the plot box of
// width w and height h (u right, v up from the axes): the colour a
// point takes and its coverage.
func chartSeries(rng *rand.Rand, name string, w, h float64) func(u, v float64) ([3]float64, float64) {
	cols := [][3]float64{randColor(rng, 20, 220), randColor(rng, 20, 220), randColor(rng, 20, 220), randColor(rng, 20, 220)}
	switch name {
	case "bars": // 4-7 bars of random heights
		k := 4 + rng.IntN(4)
		hs := make([]float64, k)
		for i := range hs {
			hs[i] = h * (0.15 + 0.8*rng.Float64())
		}
		fill := 0.55 + 0.3*rng.Float64()
		return func(u, v float64) ([3]float64, float64) {
			i := min(max(int(u/w*float64(k)), 0), k-1)
			slot := w / float64(k)
			in := soft(math.Abs(u-(float64(i)+0.5)*slot)-fill*slot/2) * soft(v-hs[i])
			return cols[i%2], in
		}
	case "line": // one or two polylines through random points
		var segs [2][][4]float64
		lines := 1 + rng.IntN(2)
		for l := 0; l < lines; l++ {
			prev := h * (0.1 + 0.8*rng.Float64())
			for i := 1; i <= 6; i++ {
				next := min(max(prev+h*0.35*(rng.Float64()-0.5), 1), h-1)
				segs[l] = append(segs[l], [4]float64{w * float64(i-1) / 6, prev, w * float64(i) / 6, next})
				prev = next
			}
		}
		return func(u, v float64) ([3]float64, float64) {
			c, best := cols[0], segmentsDistance(segs[0], u, v)
			if lines > 1 {
				if d := segmentsDistance(segs[1], u, v); d < best {
					c, best = cols[1], d
				}
			}
			return c, soft(best - 0.7)
		}
	case "scatter": // 12-30 dots
		k := 12 + rng.IntN(19)
		pts := make([][2]float64, k)
		slope := rng.Float64() - 0.5
		for i := range pts {
			t := rng.Float64()
			pts[i] = [2]float64{w * t, min(max(h*(0.5+slope*(t-0.5))+h*0.2*rng.NormFloat64(), 1), h-1)}
		}
		return func(u, v float64) ([3]float64, float64) {
			best := math.Inf(1)
			for _, p := range pts {
				best = min(best, math.Hypot(u-p[0], v-p[1]))
			}
			return cols[0], soft(best - 1.1)
		}
	}
	// pie: a disc cut into 3-5 wedges
	k := 3 + rng.IntN(3)
	cuts := make([]float64, k)
	for i := range cuts {
		cuts[i] = rng.Float64()
	}
	rad, turn := min(w, h)*(0.42+0.08*rng.Float64()), 2*math.Pi*rng.Float64()
	return func(u, v float64) ([3]float64, float64) {
		du, dv := u-w/2, v-h/2
		a := math.Mod(math.Atan2(dv, du)+turn+4*math.Pi, 2*math.Pi) / (2 * math.Pi)
		i := 0
		for _, c := range cuts {
			if a > c {
				i++
			}
		}
		return cols[i%4], soft(math.Hypot(du, dv) - rad)
	}
}

// Charts draws colour chart thumbnails as in a slide or a report: a
// light or dark page, axes with ticks (not for a pie), the class's marks
// in random colours, a title bar of random length above, the plot box's
// size and margins varied, with noise. 32×48 (wide) by default; Size
// sets the height, the width is 1.5 times it.
func Charts(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("charts", ChartClasses, ChartHeight, 0.03); err != nil {
		return nil, err
	}
	h := o.Size
	w := h * 3 / 2
	sh, sw := float64(h), float64(w)
	return drawClasses(o, h, w, 3, 0xc4a27, func(rng *rand.Rand, name string) []uint8 {
		page, axis := jitterColor(rng, [3]float64{245, 245, 240}, 10), [3]float64{60, 60, 60}
		if rng.IntN(4) == 0 {
			page, axis = jitterColor(rng, [3]float64{35, 38, 45}, 10), [3]float64{200, 200, 200}
		}
		left, bottom := sw*(0.1+0.08*rng.Float64()), sh*(0.85+0.08*rng.Float64())
		top, right := sh*(0.22+0.08*rng.Float64()), sw*(0.9+0.07*rng.Float64())
		pw, ph := right-left, bottom-top
		marks := chartSeries(rng, name, pw, ph)
		title := sw * (0.2 + 0.5*rng.Float64())
		img := make([]uint8, h*w*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := page
				if py > sh*0.07 && py < sh*0.07+2 && math.Abs(px-sw/2) < title/2 {
					c = mix(page, axis, 0.7)
				}
				if name != "pie" {
					onAxis := math.Max(soft(math.Abs(px-left)-0.5)*soft(py-bottom-0.5)*soft(top-py),
						soft(math.Abs(py-bottom)-0.5)*soft(left-px-0.5)*soft(px-right))
					c = mix(c, axis, onAxis)
				}
				if mc, cover := marks(px-left, bottom-py); cover > 0 && px > left && py < bottom {
					c = mix(c, mc, cover)
				}
				for ch := range c {
					img[(y*w+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
				}
			}
		}
		return img
	})
}

// Rosettes draws gray rosettes as on a tile or a stamp: a shape of the
// class's n-fold symmetry, its radius r(θ) = R·(1 + a·cos(nθ + φ)) with
// random depth a, turn φ and size, drawn filled or as an outline, dark on
// light or light on dark, sometimes with a central dot, shifted and with
// uneven light and noise. 28×28 by default.
func Rosettes(o GenOptions) (*data.Dataset, error) {
	idx, err := o.check("rosettes", RosetteClasses, 28, 0.05)
	if err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0x205e7, func(rng *rand.Rand, name string) []uint8 {
		folds := float64(idx[name] + 3)
		big, depth, phase := s*(0.24+0.08*rng.Float64()), 0.22+0.15*rng.Float64(), 2*math.Pi*rng.Float64()
		cx, cy := s/2+3*(rng.Float64()-0.5), s/2+3*(rng.Float64()-0.5)
		outline, dot := rng.IntN(3) == 0, rng.IntN(2) == 0
		paper, ink := 170+70*rng.Float64(), 20+80*rng.Float64()
		if rng.IntN(3) == 0 {
			paper, ink = ink, paper
		}
		width, light := 0.8+0.6*rng.Float64(), lowFreq(rng, 12, 30)
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5-cx, float64(y)+0.5-cy
				d := math.Hypot(px, py) - big*(1+depth*math.Cos(folds*math.Atan2(py, px)+phase))
				cover := soft(d)
				if outline {
					cover = soft(math.Abs(d) - width)
				}
				if dot {
					cover = math.Max(cover, soft(math.Hypot(px, py)-1.5))
				}
				c := paper + 12*light(px, py)
				img[y*n+x] = clamp8(c + (ink-c)*cover + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}

// trackSegments are the class's tracks on an s×s detector image.
func trackSegments(rng *rand.Rand, name string, s float64) [][4]float64 {
	x, y := s*(0.3+0.4*rng.Float64()), s*(0.3+0.4*rng.Float64())
	a := 2 * math.Pi * rng.Float64()
	switch name {
	case "muon": // one long, nearly straight track through the frame
		x, y = x-s*math.Cos(a), y-s*math.Sin(a)
		return walk(rng, x, y, a, s/8, 0.03, 16)
	case "shower": // 5-9 short tracks fanning out of a vertex
		var segs [][4]float64
		k := 5 + rng.IntN(5)
		for i := 0; i < k; i++ {
			segs = append(segs, walk(rng, x, y, a+0.9*rng.NormFloat64(), s/16, 0.15, 2+rng.IntN(4))...)
		}
		return segs
	}
	// spiral: a track curling inwards
	var segs [][4]float64
	r, turn := s*(0.22+0.1*rng.Float64()), 1.0
	if rng.IntN(2) == 0 {
		turn = -1
	}
	px, py := x+r*math.Cos(a), y+r*math.Sin(a)
	for i := 0; i < 40; i++ {
		a += turn * 0.3
		r *= 0.96
		nx, ny := x+r*math.Cos(a), y+r*math.Sin(a)
		segs = append(segs, [4]float64{px, py, nx, ny})
		px, py = nx, ny
	}
	return segs
}

// Tracks draws gray bubble-chamber-like detector images: the class's
// event as bright thin tracks, two or three faint straight background
// tracks crossing the frame, sparse hot pixels, a dark uneven field,
// with noise. 32×32 by default.
func Tracks(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("tracks", TrackClasses, 32, 0.05); err != nil {
		return nil, err
	}
	n := o.Size
	s := float64(n)
	return drawClasses(o, n, n, 1, 0x72ac5, func(rng *rand.Rand, name string) []uint8 {
		event := trackSegments(rng, name, s)
		var faint [][4]float64
		for i := 0; i < 2+rng.IntN(2); i++ {
			a := 2 * math.Pi * rng.Float64()
			x, y := s*rng.Float64(), s*rng.Float64()
			faint = append(faint, [4]float64{x - s*math.Cos(a), y - s*math.Sin(a), x + s*math.Cos(a), y + s*math.Sin(a)})
		}
		field, bright, width := lowFreq(rng, 10, 30), 160+80*rng.Float64(), 0.6+0.4*rng.Float64()
		base := 25 + 30*rng.Float64()
		img := make([]uint8, n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				c := base + 10*field(px, py)
				c += 30 * soft(segmentsDistance(faint, px, py)-0.3)
				c += (bright - c) * soft(segmentsDistance(event, px, py)-width)
				if rng.IntN(150) == 0 {
					c = 200
				}
				img[y*n+x] = clamp8(c + 255*o.Noise*rng.NormFloat64())
			}
		}
		return img
	})
}
