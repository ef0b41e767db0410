package faults

import (
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// ninthSpecChecks say, per scenario, what its spec must hold.
func ninthSpecChecks() map[string]func(s *spec.Spec) bool {
	count, rate, last, every, bn, opt := layerCount, dropoutCount, lastLayer, everyInit, bnCount, usesOptimizer
	fire := func(s *spec.Spec) bool { return count(s, "Concatenate", "") == 2 && count(s, "Conv2D", "") == 7 }
	split := func(s *spec.Spec, v float64) bool {
		return s.Data.ValidationSplit != nil && *s.Data.ValidationSplit == v
	}
	return map[string]func(s *spec.Spec) bool{
		"nin-lr-high-adam-fire-lamps":       func(s *spec.Spec) bool { return opt(s, "adam", 0.2) && fire(s) },
		"nin-lr-high-nesterov-numerals":     func(s *spec.Spec) bool { return opt(s, "sgd", 1.5) && s.Compile.Momentum == 0.9 && s.Compile.Nesterov },
		"nin-lr-high-rmsprop-batch-8-notes": func(s *spec.Spec) bool { return opt(s, "rmsprop", 0.2) && s.Fit.BatchSize == 8 },
		"nin-lr-high-adamw-fibres":          func(s *spec.Spec) bool { return opt(s, "adamw", 0.5) },
		"nin-lr-low-adamw-numerals":         func(s *spec.Spec) bool { return opt(s, "adamw", 5e-7) },
		"nin-lr-low-sgd-momentum-residual-lamps": func(s *spec.Spec) bool {
			return opt(s, "sgd", 1e-5) && s.Compile.Momentum == 0.9 && count(s, "Add", "") == 2
		},
		"nin-lr-low-adam-fibres":         func(s *spec.Spec) bool { return opt(s, "adam", 1e-6) },
		"nin-sigmoid-dense-sgd-numerals": func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 10 && opt(s, "sgd", 0.05) },
		"nin-sigmoid-fire-lamps": func(s *spec.Spec) bool {
			return count(s, "Conv2D", "sigmoid") == 7 && count(s, "Dense", "sigmoid") == 1 && fire(s)
		},
		"nin-init-ones-fire-notes":   func(s *spec.Spec) bool { return every(s, "Conv2D", "ones") && every(s, "Dense", "") && fire(s) },
		"nin-init-zeros-conv-fibres": func(s *spec.Spec) bool { return every(s, "Conv2D", "zeros") && every(s, "Dense", "") },
		"nin-unscaled-numerals-sgd-momentum": func(s *spec.Spec) bool {
			return s.Data.Preprocessing.Rescale == 1 && opt(s, "sgd", 0.01) && s.Compile.Momentum == 0.9
		},
		"nin-unscaled-lamps-sgd-batch-16": func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Fit.BatchSize == 16 },
		"nin-overfit-numerals-dense":      func(s *spec.Spec) bool { return split(s, 0.5) && s.Model.Layers[1].Units == 768 && s.Fit.Epochs == 40 },
		"nin-overfit-lamps-fire-wide":     func(s *spec.Spec) bool { return split(s, 0.5) && s.Fit.Epochs == 40 && fire(s) },
		"nin-dropout-088-convs-numerals":  func(s *spec.Spec) bool { return rate(s, 0.88) == 4 },
		"nin-dropout-085-residual-fibres": func(s *spec.Spec) bool { return rate(s, 0.85) == 2 && count(s, "Add", "") == 2 },
		"nin-too-small-1-filter-gmp-numerals": func(s *spec.Spec) bool {
			return len(s.Model.Layers) == 3 && s.Model.Layers[0].Filters == 1 && s.Model.Layers[1].Type == "GlobalMaxPooling2D"
		},
		"nin-too-small-2-unit-notes": func(s *spec.Spec) bool {
			return s.Model.Layers[1].Units == 2 && s.Model.Layers[1].Activation == "linear"
		},
		"nin-relu6-output-lamps":           func(s *spec.Spec) bool { return last(s) == "Dense:relu6" },
		"nin-leaky-relu-output-fibres":     func(s *spec.Spec) bool { return last(s) == "Dense:leaky_relu" },
		"nin-double-softmax-fire-numerals": func(s *spec.Spec) bool { return last(s) == "Activation:softmax" && count(s, "Dense", "softmax") == 1 },
		"nin-binary-loss-notes":            func(s *spec.Spec) bool { return s.Compile.Loss == "binary_crossentropy" && last(s) == "Dense:softmax" },
		"nin-dying-relu-adamw-numerals":    func(s *spec.Spec) bool { return opt(s, "adamw", 0.02) },
		"nin-bn-lag-fire-lamps":            func(s *spec.Spec) bool { return bn(s, 0.99) == 2 && fire(s) },
		"nin-bn-0995-batch-16-notes":       func(s *spec.Spec) bool { return bn(s, 0.995) == 3 && s.Fit.BatchSize == 16 },
		"nin-too-little-evidence-fibres":   func(s *spec.Spec) bool { return split(s, 0.2) && s.Fit.Epochs == 1 },
		"ok-nin-fibres-weighted":           func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" },
		"ok-nin-notes-from-logits":         func(s *spec.Spec) bool { return s.Compile.FromLogits && last(s) == "Dense:linear" },
		"ok-nin-numerals-fire-graph":       func(s *spec.Spec) bool { return fire(s) && bn(s, 0.9) == 2 },
	}
}

// The bars are judged on the ninth part when a report holds it, even
// next to the eighth part, and the dev part leaves it out.
func TestNinthPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Eighth: true, Healthy: true}, {Ninth: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "ninth " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Ninth == nil || rep.Eighth == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
