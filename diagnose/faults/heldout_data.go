package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
)

// The held-out suite's data generators. They were written, with the
// held-out scenarios, before any detector threshold was changed for
// issue 10, and draw images unlike the dev suite's gray shapes and MNIST
// digits: colour textures, colour "photo-like" scenes (an object on a
// smooth, cluttered background) and small seven-segment glyphs.

// TextureClasses are the colour textures Textures can draw. dots and
// checker are the hard pair (both periodic blobs).
var TextureClasses = []string{"hstripes", "vstripes", "diagonal", "checker", "dots", "rings"}

// SceneClasses are the objects Scenes can place on a cluttered colour
// background. ball and block (a filled disk and a filled square of the
// same area) are the hard pair.
var SceneClasses = []string{"ball", "block", "ring", "bar", "frame"}

// GlyphClasses are the ten seven-segment digits Glyphs can draw.
var GlyphClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// GenOptions configure the held-out generators.
type GenOptions struct {
	Classes []string
	Counts  []int
	// Size is the image's height and width (24 for textures and scenes,
	// 20 for glyphs by default).
	Size int
	// Noise is the Gaussian pixel noise as a share of 255 (0: the
	// generator's default; negative: none).
	Noise float64
	// Contrast scales the difference between object and background
	// (scenes; 0: 1).
	Contrast float64
	Seed     uint64
}

func (o *GenOptions) check(what string, known []string, size int, noise float64) (map[string]int, error) {
	if len(o.Classes) < 2 || len(o.Counts) != len(o.Classes) {
		return nil, fmt.Errorf("%s: want at least 2 classes and one count per class, got %d classes and %d counts", what, len(o.Classes), len(o.Counts))
	}
	idx := map[string]int{}
	for i, k := range known {
		idx[k] = i
	}
	for _, c := range o.Classes {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("%s: unknown class %q (want one of %v)", what, c, known)
		}
	}
	if o.Size == 0 {
		o.Size = size
	}
	if o.Noise == 0 {
		o.Noise = noise
	}
	o.Noise = max(o.Noise, 0)
	if o.Contrast == 0 {
		o.Contrast = 1
	}
	return idx, nil
}

func clamp8(v float64) uint8 { return uint8(math.Round(min(max(v, 0), 255))) }

// randColor is a random RGB colour with each channel in [lo, hi).
func randColor(rng *rand.Rand, lo, hi float64) [3]float64 {
	return [3]float64{lo + (hi-lo)*rng.Float64(), lo + (hi-lo)*rng.Float64(), lo + (hi-lo)*rng.Float64()}
}

// Textures draws RGB images of periodic textures: a random period,
// phase, orientation jitter and two random colours of clear contrast,
// with Gaussian noise. Images are in class order.
func Textures(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("textures", TextureClasses, 24, 0.08); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x7e47))
	n := o.Size
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			a, b := randColor(rng, 0, 110), randColor(rng, 140, 255)
			if rng.IntN(2) == 0 {
				a, b = b, a
			}
			period := 4 + 4*rng.Float64()
			px, py := period*rng.Float64(), period*rng.Float64()
			tilt := 0.15 * (rng.Float64() - 0.5)
			img := make([]uint8, n*n*3)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					fx, fy := float64(x)+px+tilt*float64(y), float64(y)+py-tilt*float64(x)
					on := textureOn(name, fx, fy, period, float64(n))
					c := a
					if on {
						c = b
					}
					for ch := 0; ch < 3; ch++ {
						img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
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

func textureOn(name string, x, y, period, size float64) bool {
	half := period / 2
	m := func(v float64) float64 { return math.Mod(math.Mod(v, period)+period, period) }
	switch name {
	case "hstripes":
		return m(y) < half
	case "vstripes":
		return m(x) < half
	case "diagonal":
		return m((x+y)/math.Sqrt2) < half
	case "checker":
		return (m(x) < half) != (m(y) < half)
	case "dots":
		dx, dy := m(x)-half, m(y)-half
		return math.Hypot(dx, dy) < 0.32*period
	case "rings":
		return m(math.Hypot(x-size/2, y-size/2)) < half
	}
	return false
}

// Scenes draws RGB "photo-like" images: a smooth background of a few
// random colour blobs over a colour gradient, with grain, and one object
// of the class (random colour, position and size) on it.
func Scenes(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("scenes", SceneClasses, 24, 0.04); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5ce7e))
	n := o.Size
	s := float64(n)
	ds := &data.Dataset{Height: n, Width: n, Channels: 3, Classes: append([]string(nil), o.Classes...)}
	type blob struct {
		x, y, r float64
		c       [3]float64
	}
	for k, name := range o.Classes {
		for i := 0; i < o.Counts[k]; i++ {
			g0, g1 := randColor(rng, 20, 200), randColor(rng, 20, 200)
			blobs := make([]blob, 3+rng.IntN(3))
			for j := range blobs {
				blobs[j] = blob{s * rng.Float64(), s * rng.Float64(), s * (0.15 + 0.3*rng.Float64()), randColor(rng, -40, 40)}
			}
			// The object stands out as in a photo of one thing: dark on a
			// light background, light on a dark one, in a random hue.
			obj := randColor(rng, 170, 255)
			if (g0[0]+g0[1]+g0[2]+g1[0]+g1[1]+g1[2])/6 > 110 {
				obj = randColor(rng, 0, 70)
			}
			sh := shape{s: s, cx: s * (0.35 + 0.3*rng.Float64()), cy: s * (0.35 + 0.3*rng.Float64()), r: s * (0.24 + 0.1*rng.Float64()), t: 1.3 + rng.Float64()}
			img := make([]uint8, n*n*3)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					t := (float64(x) + float64(y)) / (2 * s)
					var c [3]float64
					for ch := 0; ch < 3; ch++ {
						c[ch] = g0[ch]*(1-t) + g1[ch]*t
					}
					for _, b := range blobs {
						w := math.Exp(-(sq(float64(x)-b.x) + sq(float64(y)-b.y)) / (2 * b.r * b.r))
						for ch := 0; ch < 3; ch++ {
							c[ch] += w * b.c[ch]
						}
					}
					if sceneOn(name, &sh, float64(x)+0.5, float64(y)+0.5) {
						for ch := 0; ch < 3; ch++ {
							c[ch] += o.Contrast * (obj[ch] - c[ch])
						}
					}
					for ch := 0; ch < 3; ch++ {
						img[(y*n+x)*3+ch] = clamp8(c[ch] + 255*o.Noise*rng.NormFloat64())
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

func sq(v float64) float64 { return v * v }

func sceneOn(name string, sh *shape, x, y float64) bool {
	dx, dy := math.Abs(x-sh.cx), math.Abs(y-sh.cy)
	switch name {
	case "ball":
		return math.Hypot(dx, dy) < sh.r*0.8
	case "block":
		return dx < sh.r*0.71 && dy < sh.r*0.71
	case "ring":
		return math.Abs(math.Hypot(dx, dy)-sh.r*0.8) < sh.t
	case "bar":
		return dx < sh.r*1.1 && dy < sh.t*1.2
	case "frame":
		return math.Abs(max(dx, dy)-sh.r*0.8) < sh.t
	}
	return false
}

// segments of each digit: a, b, c, d, e, f, g (top, top right, bottom
// right, bottom, bottom left, top left, middle).
var segments = map[string]string{
	"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
	"5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}

// Glyphs draws small gray seven-segment digits with a random position,
// height, width, slant, stroke and brightness, on a noisy background.
func Glyphs(o GenOptions) (*data.Dataset, error) {
	if _, err := o.check("glyphs", GlyphClasses, 20, 0.1); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9171))
	n := o.Size
	s := float64(n)
	ds := &data.Dataset{Height: n, Width: n, Channels: 1, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		segs := segments[name]
		for i := 0; i < o.Counts[k]; i++ {
			h := s * (0.55 + 0.2*rng.Float64())
			w := h * (0.45 + 0.15*rng.Float64())
			cx, cy := s/2+s*0.12*(rng.Float64()-0.5), s/2+s*0.12*(rng.Float64()-0.5)
			slant := 0.25 * (rng.Float64() - 0.3)
			t := 0.8 + 0.8*rng.Float64()
			bg, fg := 10+60*rng.Float64(), 150+105*rng.Float64()
			img := make([]uint8, n*n)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					// Local coordinates: u across, v down, both in [-1, 1] at the box.
					v := (float64(y) + 0.5 - cy) / (h / 2)
					u := (float64(x) + 0.5 - cx + slant*(float64(y)+0.5-cy)) / (w / 2)
					val := bg
					if glyphOn(segs, u, v, t/(w/2), t/(h/2)) {
						val = fg
					}
					img[y*n+x] = clamp8(val + 255*o.Noise*rng.NormFloat64())
				}
			}
			ds.Pixels = append(ds.Pixels, img...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, "glyph"+name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// glyphOn reports whether (u, v) lies on one of the segments; tu and tv
// are the half stroke widths in u and v units.
func glyphOn(segs string, u, v, tu, tv float64) bool {
	horiz := func(at float64) bool { return math.Abs(v-at) < tv && math.Abs(u) <= 1+tu }
	vert := func(at, from, to float64) bool { return math.Abs(u-at) < tu && v >= from-tv && v <= to+tv }
	for _, sg := range segs {
		var on bool
		switch sg {
		case 'a':
			on = horiz(-1)
		case 'b':
			on = vert(1, -1, 0)
		case 'c':
			on = vert(1, 0, 1)
		case 'd':
			on = horiz(1)
		case 'e':
			on = vert(-1, 0, 1)
		case 'f':
			on = vert(-1, -1, 0)
		case 'g':
			on = horiz(0)
		}
		if on {
			return true
		}
	}
	return false
}
