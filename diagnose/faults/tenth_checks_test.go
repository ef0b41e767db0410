package faults

import (
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

func tenthScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(tenthFaults, tenthHealthy), name)
}

// Every tenth scenario's spec validates and its model builds for its
// data (a RefuseOK one may be refused, with an error), the part is
// registered whole and is at most 290 runs at 5 seeds.
func TestTenthSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "tenth", "ten-", tenthFaults, tenthHealthy, tenthShapes)
	if len(tenthFaults) < 33 || len(tenthHealthy) < 18 || 5*(len(tenthFaults)+len(tenthHealthy)) > 290 {
		t.Errorf("%d faults, %d healthy", len(tenthFaults), len(tenthHealthy))
	}
}

// No healthy configuration trains the same data with the same spec as an
// injected problem.
func TestTenthHealthyDifferFromFaults(t *testing.T) {
	checkHealthyDiffer(t, tenthHealthy, tenthFaults)
}

// tenthSpecChecks say, per scenario, what its spec must hold.
func tenthSpecChecks() map[string]func(s *spec.Spec) bool {
	count, rate, last, every, bn, opt := layerCount, dropoutCount, lastLayer, everyInit, bnCount, usesOptimizer
	inception := func(s *spec.Spec) bool { return count(s, "Concatenate", "") == 2 && count(s, "Conv2D", "") == 7 }
	mobile := func(s *spec.Spec) bool { return count(s, "Add", "") == 2 && count(s, "DepthwiseConv2D", "") == 2 }
	split := func(s *spec.Spec, v float64) bool {
		return s.Data.ValidationSplit != nil && *s.Data.ValidationSplit == v
	}
	return map[string]func(s *spec.Spec) bool{
		"ten-lr-high-adam-inception-arrows": func(s *spec.Spec) bool { return opt(s, "adam", 0.3) && inception(s) },
		"ten-lr-high-sgd-momentum-fashion":  func(s *spec.Spec) bool { return opt(s, "sgd", 2) && s.Compile.Momentum == 0.5 },
		"ten-lr-high-rmsprop-mobile-boats":  func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.3) && mobile(s) },
		"ten-lr-high-adamw-cardio":          func(s *spec.Spec) bool { return opt(s, "adamw", 0.4) },
		"ten-lr-low-sgd-fashion":            func(s *spec.Spec) bool { return opt(s, "sgd", 1e-4) && s.Compile.Momentum == 0 },
		"ten-lr-low-adam-inception-cardio":  func(s *spec.Spec) bool { return opt(s, "adam", 3e-7) && inception(s) },
		"ten-lr-low-rmsprop-sockets":        func(s *spec.Spec) bool { return opt(s, "rmsprop", 1e-7) },
		"ten-sigmoid-dense-sgd-fashion":     func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 8 && opt(s, "sgd", 0.1) },
		"ten-sigmoid-inception-boats": func(s *spec.Spec) bool {
			return count(s, "Conv2D", "sigmoid") == 7 && count(s, "Dense", "sigmoid") == 2 && inception(s) && opt(s, "sgd", 0.02)
		},
		"ten-init-ones-inception-cardio": func(s *spec.Spec) bool { return every(s, "Conv2D", "ones") && every(s, "Dense", "") && inception(s) },
		"ten-init-zeros-mobile-boats":    func(s *spec.Spec) bool { return every(s, "Conv2D", "zeros") && every(s, "Dense", "") && mobile(s) },
		"ten-unscaled-fashion-sgd-momentum": func(s *spec.Spec) bool {
			return s.Data.Preprocessing.Rescale == 1 && opt(s, "sgd", 0.01) && s.Compile.Momentum == 0.9
		},
		"ten-unscaled-boats-nesterov":        func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Nesterov },
		"ten-shuffled-arrows-20-epochs":      func(s *spec.Spec) bool { return s.Fit.Epochs == 20 },
		"ten-shuffled-sockets-16-epochs":     func(s *spec.Spec) bool { return s.Fit.Epochs == 16 },
		"ten-overfit-fashion-dense":          func(s *spec.Spec) bool { return split(s, 0.5) && s.Model.Layers[1].Units == 1024 && s.Fit.Epochs == 40 },
		"ten-overfit-cardio-inception-wide":  func(s *spec.Spec) bool { return split(s, 0.5) && s.Fit.Epochs == 40 && inception(s) },
		"ten-dropout-09-convs-fashion":       func(s *spec.Spec) bool { return rate(s, 0.9) == 4 },
		"ten-dropout-088-inception-boats":    func(s *spec.Spec) bool { return rate(s, 0.88) == 2 && inception(s) },
		"ten-too-small-2-filter-gap-fashion": func(s *spec.Spec) bool { return len(s.Model.Layers) == 3 && s.Model.Layers[0].Filters == 2 },
		"ten-too-small-1-unit-arrows": func(s *spec.Spec) bool {
			return s.Model.Layers[1].Units == 1 && s.Model.Layers[1].Activation == "linear"
		},
		"ten-tanh-output-arrows":              func(s *spec.Spec) bool { return last(s) == "Dense:tanh" },
		"ten-sigmoid-output-mobile-boats":     func(s *spec.Spec) bool { return last(s) == "Dense:sigmoid" && mobile(s) },
		"ten-double-softmax-inception-cardio": func(s *spec.Spec) bool { return last(s) == "Activation:softmax" && count(s, "Dense", "softmax") == 1 },
		"ten-from-logits-softmax-fashion": func(s *spec.Spec) bool {
			return s.Compile.FromLogits && last(s) == "Dense:softmax"
		},
		"ten-dying-relu-rmsprop-arrows":  func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.03) },
		"ten-bn-lag-mobile-boats":        func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && mobile(s) },
		"ten-bn-0999-inception-arrows":   func(s *spec.Spec) bool { return bn(s, 0.999) == 2 && inception(s) },
		"ten-bn-099-batch-64-fashion":    func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && s.Fit.BatchSize == 64 },
		"ten-too-little-evidence-cardio": func(s *spec.Spec) bool { return split(s, 0.25) && s.Fit.Epochs == 2 },
		"ok-ten-sockets-weighted-300-30": func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" && split(s, 0.3) },
		"ok-ten-cardio-from-logits":      func(s *spec.Spec) bool { return s.Compile.FromLogits && last(s) == "Dense:linear" },
		"ok-ten-arrows-inception-bn":     func(s *spec.Spec) bool { return inception(s) && bn(s, 0.9) == 2 },
		"ok-ten-boats-mobile-bn":         func(s *spec.Spec) bool { return mobile(s) && bn(s, 0.9) == 2 },
	}
}

// The tenth part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, the copies, and in the spec
// the rates, scaling, layers and loss the problem names.
func TestTenthFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"ten-label-noise-35-arrows-300": 0.35, "ten-label-noise-30-boats": 0.3} {
		d := tenthScenario(t, name).Data
		d.PerClass = 10
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	if d := tenthScenario(t, "ten-label-noise-40-fashion").Data; d.FlipLabels != 0.4 {
		t.Errorf("fashion label noise %v", d.FlipLabels)
	}
	for name, want := range map[string][]int{"ten-imbalance-150-10-sockets": {150, 10}, "ten-imbalance-94-4-2-boats": {282, 12, 6},
		"ok-ten-sockets-weighted-300-30": {300, 30}} {
		if got := tenthScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"ten-shuffled-arrows-20-epochs", "ten-shuffled-fashion", "ten-shuffled-sockets-16-epochs"} {
		if !tenthScenario(t, name).Data.ShuffleLabels {
			t.Errorf("%s: labels not shuffled", name)
		}
	}
	if !tenthScenario(t, "ten-leakage-fashion").Data.Duplicate || tenthScenario(t, "ten-leakage-near-boats").Data.Jitter != 4 {
		t.Error("the copied data is not copied")
	}
	for name, ok := range tenthSpecChecks() {
		sc := tenthScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}

// The bars are judged on the tenth part when a report holds it, even
// next to the ninth part, and the dev part leaves it out.
func TestTenthPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Ninth: true, Healthy: true}, {Tenth: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "tenth " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Tenth == nil || rep.Ninth == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
