package faults

import (
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// eighthSpecChecks say, per scenario, what its spec must hold.
func eighthSpecChecks() map[string]func(s *spec.Spec) bool {
	count, rate, last, every, bn, opt := layerCount, dropoutCount, lastLayer, everyInit, bnCount, usesOptimizer
	concat := func(s *spec.Spec) bool { return count(s, "Concatenate", "") == 2 }
	return map[string]func(s *spec.Spec) bool{
		"eig-lr-high-adam-concat-suits":    func(s *spec.Spec) bool { return opt(s, "adam", 0.15) && concat(s) },
		"eig-lr-high-sgd-rosettes":         func(s *spec.Spec) bool { return opt(s, "sgd", 4) && s.Compile.Momentum == 0 },
		"eig-lr-high-rmsprop-tracks":       func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.5) },
		"eig-lr-high-adamw-batch-8-charts": func(s *spec.Spec) bool { return opt(s, "adamw", 0.1) && s.Fit.BatchSize == 8 },
		"eig-lr-low-rmsprop-suits":         func(s *spec.Spec) bool { return opt(s, "rmsprop", 1e-7) },
		"eig-lr-low-sgd-concat-rosettes":   func(s *spec.Spec) bool { return opt(s, "sgd", 1e-4) && concat(s) },
		"eig-sigmoid-dense-sgd-charts":     func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 8 },
		"eig-sigmoid-concat-suits":         func(s *spec.Spec) bool { return count(s, "Conv2D", "sigmoid") == 3 && concat(s) },
		"eig-init-ones-conv-charts":        func(s *spec.Spec) bool { return every(s, "Conv2D", "ones") && every(s, "Dense", "") },
		"eig-init-zeros-dense-tracks":      func(s *spec.Spec) bool { return every(s, "Dense", "zeros") && every(s, "Conv2D", "") },
		"eig-unscaled-suits-sgd":           func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && opt(s, "sgd", 0.01) },
		"eig-unscaled-tracks-nesterov":     func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Nesterov },
		"eig-overfit-rosettes-dense":       func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.5 && s.Model.Layers[1].Units == 1024 },
		"eig-overfit-charts-concat-wide":   func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.5 && s.Fit.Epochs == 40 && concat(s) },
		"eig-dropout-09-suits":             func(s *spec.Spec) bool { return rate(s, 0.9) == 3 },
		"eig-dropout-085-mobile-tracks":    func(s *spec.Spec) bool { return rate(s, 0.85) == 2 && count(s, "DepthwiseConv2D", "") == 2 },
		"eig-too-small-2-filter-gap-rosettes": func(s *spec.Spec) bool {
			return len(s.Model.Layers) == 3 && s.Model.Layers[0].Filters == 2
		},
		"eig-too-small-1-unit-suits":     func(s *spec.Spec) bool { return s.Model.Layers[1].Units == 1 },
		"eig-relu-output-rosettes":       func(s *spec.Spec) bool { return last(s) == "Dense:relu" },
		"eig-tanh-output-charts":         func(s *spec.Spec) bool { return last(s) == "Dense:tanh" },
		"eig-linear-output-concat-suits": func(s *spec.Spec) bool { return last(s) == "Dense:linear" && !s.Compile.FromLogits && concat(s) },
		"eig-dying-relu-adam-charts":     func(s *spec.Spec) bool { return opt(s, "adam", 0.03) && count(s, "Conv2D", "relu") == 3 },
		"eig-bn-lag-concat-charts":       func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && concat(s) },
		"eig-bn-0999-suits":              func(s *spec.Spec) bool { return bn(s, 0.999) == 2 },
		"eig-too-little-evidence-rosettes": func(s *spec.Spec) bool {
			return *s.Data.ValidationSplit == 0.25 && s.Fit.Epochs == 1
		},
		"ok-eig-tracks-weighted":    func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" },
		"ok-eig-tracks-from-logits": func(s *spec.Spec) bool { return s.Compile.FromLogits && last(s) == "Dense:linear" },
	}
}

// The bars are judged on the eighth part when a report holds it, even
// next to the seventh part, and the dev part leaves it out.
func TestEighthPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Seventh: true, Healthy: true}, {Eighth: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "eighth " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Eighth == nil || rep.Seventh == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
