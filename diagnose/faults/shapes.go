package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
)

// ShapeClasses are the shapes Shapes can draw. circle, square, cross,
// stripes and triangle are easy to tell apart; disk and box (a small
// filled circle and a small filled square) are a hard pair.
var ShapeClasses = []string{"circle", "square", "cross", "stripes", "triangle", "disk", "box"}

// ShapeOptions configure Shapes.
type ShapeOptions struct {
	// Classes to draw (names from ShapeClasses); Counts[i] images of
	// Classes[i].
	Classes []string
	Counts  []int
	// Size is the image's height and width (28 by default).
	Size int
	// Noise is the standard deviation of the Gaussian pixel noise, as a
	// share of 255 (0.1 by default; negative: none).
	Noise float64
	Seed  uint64
}

// Shapes draws gray images of simple shapes: each at a random position,
// size, stroke and brightness on a random dark background, with Gaussian
// noise, so that the classes are distinguishable but not trivially so.
// Images are in class order.
func Shapes(o ShapeOptions) (*data.Dataset, error) {
	if len(o.Classes) < 2 || len(o.Counts) != len(o.Classes) {
		return nil, fmt.Errorf("shapes: want at least 2 classes and one count per class, got %d classes and %d counts", len(o.Classes), len(o.Counts))
	}
	size := o.Size
	if size == 0 {
		size = 28
	}
	noise := o.Noise
	if noise == 0 {
		noise = 0.1
	}
	noise = max(noise, 0)
	rng := rand.New(rand.NewPCG(o.Seed, 0x5ea9e5))
	ds := &data.Dataset{Height: size, Width: size, Channels: 1, Classes: append([]string(nil), o.Classes...)}
	for k, name := range o.Classes {
		draw, ok := drawers[name]
		if !ok {
			return nil, fmt.Errorf("shapes: unknown class %q (want one of %v)", name, ShapeClasses)
		}
		for i := 0; i < o.Counts[k]; i++ {
			img := make([]uint8, size*size)
			bg := 10 + 50*rng.Float64()
			fg := 150 + 105*rng.Float64()
			sh := shape{s: float64(size), cx: float64(size) * (0.4 + 0.2*rng.Float64()), cy: float64(size) * (0.4 + 0.2*rng.Float64()),
				r: float64(size) * (0.2 + 0.12*rng.Float64()), t: 1 + 1.2*rng.Float64(), phase: rng.Float64()}
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					v := bg
					if draw(&sh, float64(x)+0.5, float64(y)+0.5) {
						v = fg
					}
					v += 255 * noise * rng.NormFloat64()
					img[y*size+x] = uint8(math.Round(min(max(v, 0), 255)))
				}
			}
			ds.Pixels = append(ds.Pixels, img...)
			ds.Labels = append(ds.Labels, int32(k))
			ds.Sources = append(ds.Sources, name+"#"+strconv.Itoa(i))
		}
	}
	return ds, ds.Validate()
}

// shape is one drawn instance: the image size s, centre, radius (half
// the extent), stroke width and a phase for stripes.
type shape struct{ s, cx, cy, r, t, phase float64 }

var drawers = map[string]func(sh *shape, x, y float64) bool{
	"circle": func(sh *shape, x, y float64) bool {
		return math.Abs(math.Hypot(x-sh.cx, y-sh.cy)-sh.r) < sh.t
	},
	"square": func(sh *shape, x, y float64) bool {
		d := max(math.Abs(x-sh.cx), math.Abs(y-sh.cy))
		return math.Abs(d-sh.r*0.9) < sh.t
	},
	"cross": func(sh *shape, x, y float64) bool {
		dx, dy := math.Abs(x-sh.cx), math.Abs(y-sh.cy)
		return dx < sh.t && dy < sh.r || dy < sh.t && dx < sh.r
	},
	"stripes": func(sh *shape, x, y float64) bool {
		if math.Abs(x-sh.cx) > sh.r || math.Abs(y-sh.cy) > sh.r {
			return false
		}
		period := 4.0
		return math.Mod(y-sh.cy+sh.r+sh.phase*period, period) < period/2
	},
	"triangle": func(sh *shape, x, y float64) bool {
		// An upward triangle's outline: inside the outer one, outside
		// the inner one.
		in := func(r float64) bool {
			top, bottom := sh.cy-r, sh.cy+0.7*r
			if y < top || y > bottom {
				return false
			}
			half := (y - top) / (bottom - top) * r
			return math.Abs(x-sh.cx) <= half
		}
		return in(sh.r) && !in(sh.r-2*sh.t)
	},
	// The hard pair: small filled shapes of nearly the same area.
	"disk": func(sh *shape, x, y float64) bool {
		return math.Hypot(x-sh.cx, y-sh.cy) < 0.3*sh.r+1.5
	},
	"box": func(sh *shape, x, y float64) bool {
		h := 0.27*sh.r + 1.35
		return math.Abs(x-sh.cx) < h && math.Abs(y-sh.cy) < h
	},
}
