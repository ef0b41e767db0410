package faults

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
)

// The second held-out part's data generators ("unseen", issue 10 second
// round). They were written, with the unseen scenarios, before any
// detector or threshold was changed in that round, and draw images unlike
// both earlier parts: larger colour "grain" images (48×48 photo-like
// noise whose class is the structure of its spectrum, not an object) and
// colour line icons (32×32, ten classes of strokes on a colour gradient).

// GrainClasses are the spectra Grain can draw: oriented streaks,
// fine isotropic grain and coarse blotches. isotropic and coarse are the
// hard pair (both without orientation).
var GrainClasses = []string{"horizontal", "vertical", "isotropic", "coarse"}

// IconClasses are the line icons Icons can draw. plus and cross (the same
// strokes turned by 45°) are the hard pair.
var IconClasses = []string{"up", "down", "left", "right", "plus", "cross", "equals", "triangle", "box", "check"}

// Grain draws RGB photo-like noise: a sum of random colour sinusoids with
// amplitudes falling with the frequency (as in natural images), the class fixing the
// band of frequencies and whether most of them share an orientation,
// plus a random brightness, contrast and grain. 48×48 by default.
func Grain(o GenOptions) (*data.Dataset, error) {
	idx, err := o.check("grain", GrainClasses, 48, 0.05)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x96a1))
	n := o.Size
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	buf := make([]float64, n*n*3)
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			grainImage(rng, name, n, buf)
			ds.Pixels = append(ds.Pixels, grainPixels(rng, buf, grainTint[idx[name]], o.Noise)...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// grainImage sums the class's sinusoids into buf (n×n×3, unscaled).
func grainImage(rng *rand.Rand, name string, n int, buf []float64) {
	clear(buf)
	lo, hi, axis, aligned := 1.0/16, 1.0/4, 0.0, 0.9
	switch name {
	case "vertical":
		axis = math.Pi / 2
	case "isotropic":
		aligned = 0
	case "coarse":
		lo, hi, aligned = 1.0/40, 1.0/10, 0
	}
	const waves = 20
	for w := 0; w < waves; w++ {
		f := lo * math.Exp(rng.Float64()*math.Log(hi/lo))
		theta := 2 * math.Pi * rng.Float64()
		if rng.Float64() < aligned {
			// the wave vector is across the streaks
			theta = axis + math.Pi/2 + 0.12*rng.NormFloat64()
		}
		fx, fy := 2*math.Pi*f*math.Cos(theta), 2*math.Pi*f*math.Sin(theta)
		phase := 2 * math.Pi * rng.Float64()
		amp := 1 / math.Sqrt(f*48)
		col := randColor(rng, 0.3, 1)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				v := amp * math.Cos(fx*float64(x)+fy*float64(y)+phase)
				p := buf[(y*n+x)*3:]
				p[0] += v * col[0]
				p[1] += v * col[1]
				p[2] += v * col[2]
			}
		}
	}
}

// grainTint is each grain class's colour cast (levels added per channel),
// as the subjects of photo classes differ a little in colour too; each
// image adds its own random cast of the same size, so colour alone does
// not tell the classes apart.
var grainTint = [][3]float64{{18, 0, -18}, {-18, 0, 18}, {0, 18, -18}, {0, -18, 18}}

// grainPixels scales buf to a random brightness and contrast, casts it in
// the class's tint and a random one, adds grain and rounds to 8 bits.
func grainPixels(rng *rand.Rand, buf []float64, tint [3]float64, noise float64) []uint8 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range buf {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := max(hi-lo, 1e-9)
	contrast := 120 + 120*rng.Float64()
	base := (255 - contrast) * rng.Float64()
	cast := randColor(rng, -18, 18)
	out := make([]uint8, len(buf))
	for j, v := range buf {
		out[j] = clamp8(base + tint[j%3] + cast[j%3] + contrast*(v-lo)/span + 255*noise*rng.NormFloat64())
	}
	return out
}

// iconStrokes are each icon's line segments (x0, y0, x1, y1) in a box
// from -1 to 1, y down.
var iconStrokes = map[string][][4]float64{
	"up":       {{0, 0.8, 0, -0.8}, {0, -0.8, -0.5, -0.3}, {0, -0.8, 0.5, -0.3}},
	"down":     {{0, -0.8, 0, 0.8}, {0, 0.8, -0.5, 0.3}, {0, 0.8, 0.5, 0.3}},
	"left":     {{0.8, 0, -0.8, 0}, {-0.8, 0, -0.3, -0.5}, {-0.8, 0, -0.3, 0.5}},
	"right":    {{-0.8, 0, 0.8, 0}, {0.8, 0, 0.3, -0.5}, {0.8, 0, 0.3, 0.5}},
	"plus":     {{-0.8, 0, 0.8, 0}, {0, -0.8, 0, 0.8}},
	"cross":    {{-0.6, -0.6, 0.6, 0.6}, {-0.6, 0.6, 0.6, -0.6}},
	"equals":   {{-0.7, -0.3, 0.7, -0.3}, {-0.7, 0.3, 0.7, 0.3}},
	"triangle": {{0, -0.75, 0.75, 0.6}, {0.75, 0.6, -0.75, 0.6}, {-0.75, 0.6, 0, -0.75}},
	"box":      {{-0.65, -0.65, 0.65, -0.65}, {0.65, -0.65, 0.65, 0.65}, {0.65, 0.65, -0.65, 0.65}, {-0.65, 0.65, -0.65, -0.65}},
	"check":    {{-0.75, 0, -0.25, 0.6}, {-0.25, 0.6, 0.75, -0.7}},
}

// Icons draws RGB line icons: the class's strokes, turned by up to ±15°,
// scaled, shifted, with a random stroke width and colour, anti-aliased
// on a random colour gradient with noise. 32×32 by default.
func Icons(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("icons", IconClasses, 32, 0.06); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x1c0a5))
	n := o.Size
	s := float64(n)
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			turn := (rng.Float64() - 0.5) * math.Pi / 6
			scale := s / 2 * (0.55 + 0.3*rng.Float64())
			cx, cy := s/2+s*0.15*(rng.Float64()-0.5), s/2+s*0.15*(rng.Float64()-0.5)
			width := 0.8 + 1.2*rng.Float64()
			g0, g1 := randColor(rng, 0, 255), randColor(rng, 0, 255)
			fg := randColor(rng, 0, 255)
			// keep the strokes visible: at least 90 levels from the background's mean
			mean := (g0[0] + g0[1] + g0[2] + g1[0] + g1[1] + g1[2]) / 6
			if lum := (fg[0] + fg[1] + fg[2]) / 3; math.Abs(lum-mean) < 90 {
				target := mean + 90
				if mean > 128 {
					target = mean - 90
				}
				for c := range fg {
					fg[c] += target - lum
				}
			}
			segs := placeStrokes(iconStrokes[name], turn, scale, cx, cy)
			img := make([]uint8, n*n*3)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					px, py := float64(x)+0.5, float64(y)+0.5
					cover := min(max(width/2+0.5-segmentsDistance(segs, px, py), 0), 1)
					t := (px + py) / (2 * s)
					for c := 0; c < 3; c++ {
						bg := g0[c]*(1-t) + g1[c]*t
						img[(y*n+x)*3+c] = clamp8(bg + cover*(fg[c]-bg) + 255*o.Noise*rng.NormFloat64())
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

// placeStrokes turns, scales and shifts unit-box strokes into pixels.
func placeStrokes(strokes [][4]float64, turn, scale, cx, cy float64) [][4]float64 {
	sin, cos := math.Sincos(turn)
	out := make([][4]float64, len(strokes))
	for i, st := range strokes {
		for j := 0; j < 4; j += 2 {
			x, y := st[j], st[j+1]
			out[i][j] = cx + scale*(cos*x-sin*y)
			out[i][j+1] = cy + scale*(sin*x+cos*y)
		}
	}
	return out
}

// segmentsDistance is the distance from (x, y) to the nearest segment.
func segmentsDistance(segs [][4]float64, x, y float64) float64 {
	best := math.Inf(1)
	for _, s := range segs {
		dx, dy := s[2]-s[0], s[3]-s[1]
		t := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			t = min(max(((x-s[0])*dx+(y-s[1])*dy)/l, 0), 1)
		}
		best = min(best, math.Hypot(x-s[0]-t*dx, y-s[1]-t*dy))
	}
	return best
}
