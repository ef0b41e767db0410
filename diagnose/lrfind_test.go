package diagnose

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// sweep makes a range test's rates (1e-7..1, n steps) and losses from f.
func sweep(n int, f func(lr float64) float64) *LRFind {
	r := &LRFind{Optimizer: "adam"}
	for i := 0; i < n; i++ {
		lr := 1e-7 * math.Pow(1e7, float64(i)/float64(n-1))
		r.LR, r.Loss = append(r.LR, lr), append(r.Loss, f(lr))
	}
	r.Smoothed = centered(r.Loss, 3)
	return r
}

func TestLRFindSuggestion(t *testing.T) {
	// At chance until 1e-4, falling fastest near 1e-3, lowest at 3e-2,
	// then blowing up (the shape of Adam on the basic CNN).
	shape := func(lr float64) float64 {
		x := math.Log10(lr)
		fall := 1.8 / (1 + math.Exp(-3*(x+3))) // steepest at 1e-3
		up := 0.0
		if x > -1.5 {
			up = 20 * (x + 1.5) * (x + 1.5)
		}
		return 2.3 - fall + up
	}
	r := sweep(200, shape)
	r.suggest(3)
	if r.Steepest < 5e-4 || r.Steepest > 2e-3 {
		t.Errorf("steepest %g, want about 1e-3", r.Steepest)
	}
	if r.MinLR < 1e-2 || r.MinLR > 5e-2 || r.Suggested != r.Steepest {
		t.Errorf("min %g, suggested %g (%s)", r.MinLR, r.Suggested, r.Rule)
	}
	// A loss that only falls just before it blows up (plain SGD): the
	// suggestion keeps a decade from the minimum.
	late := func(lr float64) float64 {
		x := math.Log10(lr)
		if x < -1 {
			return 2.3 - 0.3*math.Max(0, x+2)
		}
		return 2 + 10*(x+1)
	}
	r = sweep(200, late)
	r.suggest(3)
	if math.Abs(r.Suggested-r.MinLR/10) > 1e-12 || !strings.Contains(r.Rule, "/ 10") {
		t.Errorf("suggested %g (%s), min %g", r.Suggested, r.Rule, r.MinLR)
	}
	// Nothing finite: no suggestion.
	r = sweep(10, func(float64) float64 { return math.NaN() })
	r.suggest(1)
	if r.Suggested != 0 {
		t.Errorf("suggested %g from NaN losses", r.Suggested)
	}
	var b bytes.Buffer
	r = sweep(200, shape)
	r.suggest(3)
	r.WriteText(&b, 60, 12)
	if out := b.String(); !strings.Contains(out, "Suggested learning rate for adam") || !strings.Contains(out, "0.0001") || strings.Count(out, "\n") < 14 {
		t.Errorf("text:\n%s", out)
	}
}

func TestCentered(t *testing.T) {
	got := centered([]float64{1, 2, 3, math.NaN(), 5}, 1)
	want := []float64{1.5, 2, 2.5, math.NaN(), 5}
	for i := range want {
		if !(got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("centered[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}
