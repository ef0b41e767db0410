package faults

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// tenthShapes are the tenth part's sources' (height, width, channels).
var tenthShapes = map[string][3]int{"arrows": {28, 28, 1}, "boats": {48, 48, 3}, "sockets": {32, 32, 1}, "cardio": {CardioHeight, CardioWidth, 1},
	"fashion": {28, 28, 1}}

// The tenth generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images; an unknown
// class is an error.
func TestTenthGenerators(t *testing.T) {
	checkGenerators(t, []Data{arrowsData(2), boatsData(3), socketsData(4), cardioData(3)}, tenthShapes, 60)
	for name, gen := range tenthGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// The Fashion-MNIST subset holds the asked classes and counts under the
// part's folder-safe names, the same images for a seed; an unknown class
// is an error, and without the data set its scenarios are skipped.
func TestTenthFashionSubset(t *testing.T) {
	if _, err := fashionSubset([]string{"tshirt", "T-shirt/top"}, []int{1, 1}, 1); err == nil {
		t.Error("an unknown fashion class is no error")
	}
	rep := &Report{}
	jobs := planJobs(rep, []Scenario{{Name: "f", Data: fashionData(1)}, {Name: "a", Data: arrowsData(1)}}, 2,
		map[string]error{"fashion": errors.New("missing")})
	if len(jobs) != 2 || jobs[0].sc.Name != "a" || len(rep.Skipped) != 1 {
		t.Errorf("without Fashion-MNIST: jobs %v, skipped %v", jobs, rep.Skipped)
	}
	if err := FashionAvailable(); err != nil {
		t.Skipf("Fashion-MNIST not installed: %v", err)
	}
	d := Data{Source: "fashion", Classes: []string{"boot", "bag", "tshirt"}, Counts: []int{3, 2, 1}}
	a, err := d.Generate(5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Generate(5)
	c, _ := d.Generate(6)
	if !bytes.Equal(a.Pixels, b.Pixels) || bytes.Equal(a.Pixels, c.Pixels) || !slices.Equal(a.Labels, []int32{0, 0, 0, 1, 1, 2}) ||
		!slices.Equal(a.Classes, d.Classes) || a.Height != 28 || a.Width != 28 || a.Channels != 1 {
		t.Errorf("fashion subset: labels %v, classes %v, %d×%d×%d", a.Labels, a.Classes, a.Height, a.Width, a.Channels)
	}
}

// Each arrow points its own way: the shaft's direction (and, for the
// double-headed ones, the extra head) differ between classes.
func TestArrowStrokes(t *testing.T) {
	seen := map[[3]int]string{}
	for _, name := range ArrowClasses {
		st := arrowStrokes(name)
		shaft := st[0]
		key := [3]int{int(math.Round(4 * math.Atan2(shaft[1][1]-shaft[0][1], shaft[1][0]-shaft[0][0]) / math.Pi)), len(st)}
		if other, ok := seen[key]; ok {
			t.Errorf("%s is drawn as %s", name, other)
		}
		seen[key] = name
		if double := name == "ew" || name == "ns"; double != (len(st) == 3) {
			t.Errorf("%s: %d strokes", name, len(st))
		}
	}
}

// A convex polygon's distance is negative inside and the distance to the
// nearest edge outside, whichever way its corners run.
func TestConvexDistance(t *testing.T) {
	sq := [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	for _, pts := range [][][2]float64{sq, {sq[3], sq[2], sq[1], sq[0]}} {
		if in, out := convexDistance(pts, 0.5, 0.5), convexDistance(pts, 2, 0.5); math.Abs(in+0.5) > 1e-9 || math.Abs(out-1) > 1e-9 {
			t.Errorf("%v: inside %v, outside %v", pts, in, out)
		}
	}
}

// A round-hole socket has two holes of no length; a slot socket two
// slots and a round ground hole.
func TestSocketHoles(t *testing.T) {
	for name, want := range map[string][2]int{"round": {2, 0}, "slots": {3, 2}} {
		holes := socketHoles(name, 10)
		long := 0
		for _, h := range holes {
			if math.Hypot(h[2]-h[0], h[3]-h[1]) > 2 {
				long++
			}
		}
		if got := [2]int{len(holes), long}; got != want {
			t.Errorf("%s: %v holes, slots; want %v", name, got, want)
		}
	}
}

// rPeaks are the positions of the trace's R peaks across a strip.
func rPeaks(trace func(float64) float64, w float64) []float64 {
	var out []float64
	for x := 0.25; x < w-0.25; x += 0.25 {
		if v := trace(x); v > 0.6 && v >= trace(x-0.25) && v > trace(x+0.25) {
			out = append(out, x)
		}
	}
	return out
}

// A fast rhythm beats about twice as often as a regular one; an
// irregular one's beats are unevenly spaced, the others' evenly.
func TestCardioRhythms(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	spread := func(p []float64) float64 { // the intervals' range over their mean
		var iv []float64
		for i := 1; i < len(p); i++ {
			iv = append(iv, p[i]-p[i-1])
		}
		return (slices.Max(iv) - slices.Min(iv)) / ((p[len(p)-1] - p[0]) / float64(len(iv)))
	}
	irregular := 0.0
	for i := 0; i < 20; i++ {
		reg, fast := rPeaks(cardioTrace(rng, "regular", CardioWidth), CardioWidth), rPeaks(cardioTrace(rng, "fast", CardioWidth), CardioWidth)
		irr, flut := rPeaks(cardioTrace(rng, "irregular", CardioWidth), CardioWidth), rPeaks(cardioTrace(rng, "flutter", CardioWidth), CardioWidth)
		if len(reg) < 3 || len(reg) > 5 || len(fast) < 7 || len(fast) > 10 {
			t.Errorf("%d regular and %d fast beats in a strip", len(reg), len(fast))
		}
		for name, p := range map[string][]float64{"regular": reg, "fast": fast, "flutter": flut} {
			if s := spread(p); s > 0.1 {
				t.Errorf("%s beats spread %.2f", name, s)
			}
		}
		if len(irr) >= 3 {
			irregular += spread(irr) / 20
		}
	}
	if irregular < 0.4 {
		t.Errorf("irregular beats spread only %.2f on average", irregular)
	}
}
