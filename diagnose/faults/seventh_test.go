package faults

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// seventhShapes are the seventh generators' (height, width, channels).
var seventhShapes = map[string][3]int{"skies": {64, 64, 3}, "runes": {24, 24, 1}, "pills": {40, 40, 3}, "bottles": {BottleHeight, BottleWidth, 3}}

// The seventh generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images; an unknown
// class is an error.
func TestSeventhGenerators(t *testing.T) {
	checkGenerators(t, []Data{skiesData(3), runesData(2), pillsData(4), bottlesData(4)}, seventhShapes, 60)
	for name, gen := range seventhGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// Every rune class has three strokes inside the unit box, and no two
// classes share more than one of them.
func TestRuneStrokesDistinct(t *testing.T) {
	if len(runeStrokes) != len(RuneClasses) {
		t.Fatalf("%d stroke sets for %d classes", len(runeStrokes), len(RuneClasses))
	}
	for i, a := range runeStrokes {
		if len(a) != 3 || slices.ContainsFunc(a, func(s [4]float64) bool { return slices.Min(s[:]) < 0 || slices.Max(s[:]) > 1 }) {
			t.Errorf("%s: strokes %v", RuneClasses[i], a)
		}
		for j, b := range runeStrokes[:i] {
			if n := shared(a, b); n > 1 {
				t.Errorf("%s and %s share %d strokes", RuneClasses[i], RuneClasses[j], n)
			}
		}
	}
}

// A full bottle's liquid fills most of the body, a low one little of it,
// an empty one none.
func TestBottleFillByClass(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100; i++ {
		if f := bottleFill(rng, "full"); f < 0.7 || f > 0.95 {
			t.Errorf("full: %.2f", f)
		}
		if f := bottleFill(rng, "low"); f < 0.1 || f > 0.4 {
			t.Errorf("low: %.2f", f)
		}
		if f := bottleFill(rng, "empty"); f != 0 {
			t.Errorf("empty: %.2f", f)
		}
	}
}

func seventhScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(seventhFaults, seventhHealthy), name)
}

// Every seventh scenario's spec validates and its model builds for its
// data (a RefuseOK one may be refused, with an error), the part is
// registered whole and is about 245 runs at 5 seeds.
func TestSeventhSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "seventh", "sev-", seventhFaults, seventhHealthy, seventhShapes)
	if len(seventhFaults) < 30 || len(seventhHealthy) < 16 || 5*(len(seventhFaults)+len(seventhHealthy)) > 250 {
		t.Errorf("%d faults, %d healthy", len(seventhFaults), len(seventhHealthy))
	}
}

// No healthy configuration trains the same data with the same spec as an
// injected problem.
func TestSeventhHealthyDifferFromFaults(t *testing.T) {
	checkHealthyDiffer(t, seventhHealthy, seventhFaults)
}

// The seventh part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, the copies, and in the spec
// the rates, scaling, layers and loss the problem names.
func TestSeventhFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"sev-label-noise-35-skies": 0.35, "sev-label-noise-45-runes": 0.45} {
		d := seventhScenario(t, name).Data
		d.PerClass = 4
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"sev-imbalance-95-5-bottles": {285, 15}, "sev-imbalance-90-7-3-pills": {360, 28, 12}, "ok-sev-pills-weighted": {350, 100, 50}} {
		if got := seventhScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if !seventhScenario(t, "sev-shuffled-runes").Data.ShuffleLabels || !seventhScenario(t, "sev-shuffled-bottles-200").Data.ShuffleLabels ||
		seventhScenario(t, "sev-leakage-near-runes").Data.Jitter != 5 || !seventhScenario(t, "sev-leakage-pills").Data.Duplicate {
		t.Error("the shuffled or copied data is not broken")
	}
	for name, ok := range seventhSpecChecks() {
		sc := seventhScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}

// seventhSpecChecks say, per scenario, what its spec must hold.
func seventhSpecChecks() map[string]func(s *spec.Spec) bool {
	count, rate, last, every, bn, opt := layerCount, dropoutCount, lastLayer, everyInit, bnCount, usesOptimizer
	return map[string]func(s *spec.Spec) bool{
		"sev-lr-high-adamw-skies":            func(s *spec.Spec) bool { return opt(s, "adamw", 0.3) },
		"sev-lr-high-rmsprop-batch-64-runes": func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.2) && s.Fit.BatchSize == 64 },
		"sev-lr-high-sgd-momentum-bottles":   func(s *spec.Spec) bool { return opt(s, "sgd", 2) && s.Compile.Momentum == 0.9 },
		"sev-lr-high-adam-mobile-pills":      func(s *spec.Spec) bool { return opt(s, "adam", 0.2) && count(s, "DepthwiseConv2D", "") == 2 },
		"sev-lr-low-adam-residual-skies":     func(s *spec.Spec) bool { return opt(s, "adam", 3e-7) && count(s, "Add", "") == 2 },
		"sev-lr-low-sgd-nesterov-runes":      func(s *spec.Spec) bool { return opt(s, "sgd", 2e-5) && s.Compile.Nesterov },
		"sev-sigmoid-dense-sgd-runes":        func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 9 },
		"sev-sigmoid-conv-skies": func(s *spec.Spec) bool {
			return count(s, "Conv2D", "sigmoid") == 5 && count(s, "Dense", "sigmoid") == 1
		},
		"sev-init-ones-dense-runes":       func(s *spec.Spec) bool { return every(s, "Dense", "ones") && every(s, "Conv2D", "") },
		"sev-init-zeros-residual-bottles": func(s *spec.Spec) bool { return every(s, "Dense", "zeros") && every(s, "Conv2D", "zeros") },
		"sev-unscaled-skies-sgd-momentum": func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Momentum == 0.9 },
		"sev-unscaled-runes-batch-16":     func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && opt(s, "sgd", 0.005) },
		"sev-overfit-skies-dense":         func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.5 && s.Model.Layers[1].Units == 256 },
		"sev-overfit-pills-residual-wide": func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.5 && s.Fit.Epochs == 40 },
		"sev-dropout-085-residual-skies":  func(s *spec.Spec) bool { return rate(s, 0.85) == 2 && count(s, "Add", "") == 2 },
		"sev-dropout-09-branches-runes":   func(s *spec.Spec) bool { return rate(s, 0.9) == 2 && count(s, "Concatenate", "") == 1 },
		"sev-too-small-maxpool-runes":     func(s *spec.Spec) bool { return s.Model.Layers[0].PoolSize[0] == 6 && s.Model.Layers[2].Units == 2 },
		"sev-too-small-1x1-gap-bottles":   func(s *spec.Spec) bool { return len(s.Model.Layers) == 3 && s.Model.Layers[0].Filters == 1 },
		"sev-elu-output-skies":            func(s *spec.Spec) bool { return last(s) == "Dense:elu" },
		"sev-swish-output-runes":          func(s *spec.Spec) bool { return last(s) == "Dense:swish" },
		"sev-linear-output-mobile-bottles": func(s *spec.Spec) bool {
			return last(s) == "Dense:linear" && !s.Compile.FromLogits && count(s, "DepthwiseConv2D", "") == 2
		},
		"sev-dying-relu-rmsprop-pills":       func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.03) && count(s, "Conv2D", "relu") == 3 },
		"sev-bn-lag-residual-skies":          func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && count(s, "Add", "") == 2 },
		"sev-bn-099-batch-16-runes":          func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && s.Fit.BatchSize == 16 },
		"sev-too-little-evidence-pills":      func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.1 },
		"ok-sev-pills-weighted":              func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" },
		"ok-sev-bottles-from-logits-batch-8": func(s *spec.Spec) bool { return s.Compile.FromLogits && last(s) == "Dense:linear" },
	}
}

// The bars are judged on the seventh part when a report holds it, even
// next to the sixth part, and the dev part leaves it out.
func TestSeventhPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Sixth: true, Healthy: true}, {Seventh: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "seventh " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Seventh == nil || rep.Sixth == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
