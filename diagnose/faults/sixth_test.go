package faults

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// sixthShapes are the sixth generators' (height, width, channels).
var sixthShapes = map[string][3]int{"leaves": {48, 48, 3}, "dials": {28, 28, 1}, "boards": {32, 32, 1}, "rocks": {32, 32, 3}}

// The sixth generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images; an unknown
// class is an error.
func TestSixthGenerators(t *testing.T) {
	checkGenerators(t, []Data{leavesData(4), dialsData(4), boardsData(4), rocksData(4)}, sixthShapes, 60)
	for name, gen := range sixthGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// A gauge's needle points into its class's sector of the sweep, clear of
// the sector's edges, and the sectors follow each other clockwise.
func TestDialAngleInSector(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	width := DialSweep / float64(len(DialClasses))
	for k := range DialClasses {
		lo := 0.75*math.Pi + float64(k)*width
		for i := 0; i < 50; i++ {
			if a := dialAngle(rng, k); a < lo+0.05*width || a > lo+0.95*width {
				t.Fatalf("class %d: needle at %.3f rad, sector %.3f..%.3f", k, a, lo, lo+width)
			}
		}
	}
}

// A defect board differs from a good one drawn from the same random
// stream only near its defects (open gaps, bridges or scorch marks, and
// the pads left out around them).
func TestBoardDefectIsLocal(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		good := boardLayout(rand.New(rand.NewPCG(seed, 9)), false, 32)
		bad := boardLayout(rand.New(rand.NewPCG(seed, 9)), true, 32)
		diff := 0
		for v := 0.5; v < 32; v++ {
			for u := 0.5; u < 32; u++ {
				if good(u, v) != bad(u, v) {
					diff++
				}
			}
		}
		if diff == 0 || diff > 250 {
			t.Errorf("seed %d: the defect changes %d pixels, want 1..250", seed, diff)
		}
	}
}

func sixthScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(sixthFaults, sixthHealthy), name)
}

// Every sixth scenario's spec validates and its model builds for its data
// (a RefuseOK one may be refused, with an error), the part is registered
// whole and is about 235 runs at 5 seeds.
func TestSixthSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "sixth", "six-", sixthFaults, sixthHealthy, sixthShapes)
	if len(sixthFaults) < 28 || len(sixthHealthy) < 16 || 5*(len(sixthFaults)+len(sixthHealthy)) > 250 {
		t.Errorf("%d faults, %d healthy", len(sixthFaults), len(sixthHealthy))
	}
}

// No healthy configuration trains the same data with the same spec as an
// injected problem.
func TestSixthHealthyDifferFromFaults(t *testing.T) {
	checkHealthyDiffer(t, sixthHealthy, sixthFaults)
}

// The sixth part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, and in the spec the rates,
// scaling, layers and loss the problem names.
func TestSixthFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"six-label-noise-40-rocks": 0.4, "six-label-noise-30-leaves": 0.3} {
		d := sixthScenario(t, name).Data
		d.PerClass = 10
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"six-imbalance-94-6-boards": {301, 19}, "six-imbalance-93-7-leaves": {372, 28}, "ok-six-boards-weighted": {210, 90}} {
		if got := sixthScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if !sixthScenario(t, "six-shuffled-dials").Data.ShuffleLabels || sixthScenario(t, "six-leakage-near-rocks").Data.Jitter != 3 ||
		!sixthScenario(t, "six-leakage-boards").Data.Duplicate {
		t.Error("the shuffled or copied data is not broken")
	}
	for name, ok := range sixthSpecChecks() {
		sc := sixthScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}

// sixthSpecChecks say, per scenario, what its spec must hold.
func sixthSpecChecks() map[string]func(s *spec.Spec) bool {
	count := func(s *spec.Spec, typ, act string) int {
		return countLayers(s, func(t, a string, _ float64) bool { return t == typ && (act == "" || a == act) })
	}
	last := func(s *spec.Spec) string {
		l := s.Model.Layers[len(s.Model.Layers)-1]
		return l.Type + ":" + l.Activation
	}
	return map[string]func(s *spec.Spec) bool{
		"six-lr-high-rmsprop-leaves":      func(s *spec.Spec) bool { return s.Compile.Optimizer == "rmsprop" && s.Compile.LearningRate == 0.3 },
		"six-lr-high-sgd-momentum-dials":  func(s *spec.Spec) bool { return s.Compile.LearningRate == 1 && s.Compile.Momentum == 0.95 },
		"six-lr-high-adam-clipnorm-rocks": func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.3 && s.Compile.ClipNorm == 1 },
		"six-lr-low-sgd-boards":           func(s *spec.Spec) bool { return s.Compile.Optimizer == "sgd" && s.Compile.LearningRate == 1e-5 },
		"six-lr-low-adam-mobile-rocks":    func(s *spec.Spec) bool { return s.Compile.LearningRate == 5e-7 && count(s, "DepthwiseConv2D", "") == 2 },
		"six-sigmoid-dense-rmsprop-dials": func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 8 },
		"six-sigmoid-conv-dense-rocks": func(s *spec.Spec) bool {
			return count(s, "Conv2D", "sigmoid") == 4 && count(s, "Dense", "sigmoid") == 3
		},
		"six-init-ones-conv-dials": func(s *spec.Spec) bool {
			return s.Model.Layers[0].KernelInitializer == "ones" && s.Model.Layers[6].KernelInitializer == ""
		},
		"six-init-zeros-mobile-leaves":    func(s *spec.Spec) bool { return s.Model.Layers[2].DepthwiseInit == "zeros" },
		"six-unscaled-leaves-nesterov":    func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Nesterov },
		"six-unscaled-dials-adamw":        func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Optimizer == "adamw" },
		"six-dropout-09-head-dials":       func(s *spec.Spec) bool { return count(s, "Dropout", "") == 2 && s.Model.Layers[5].Rate == 0.9 },
		"six-dropout-08-residual-rocks":   func(s *spec.Spec) bool { return count(s, "Dropout", "") == 3 && count(s, "Add", "") == 2 },
		"six-too-small-avgpool-dials":     func(s *spec.Spec) bool { return s.Model.Layers[0].PoolSize[0] == 14 },
		"six-too-small-linear-gap-leaves": func(s *spec.Spec) bool { return len(s.Model.Layers) == 3 },
		"six-gelu-output-dials":           func(s *spec.Spec) bool { return last(s) == "Dense:gelu" },
		"six-double-softmax-mobile-rocks": func(s *spec.Spec) bool { return last(s) == "Activation:softmax" },
		"six-selu-output-leaves":          func(s *spec.Spec) bool { return last(s) == "Dense:selu" },
		"six-dying-relu-sgd-rocks":        func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.4 && count(s, "Conv2D", "relu") == 3 },
		"six-bn-lag-mobile-leaves":        func(s *spec.Spec) bool { return count(s, "BatchNormalization", "") == 2 },
		"six-bn-0995-dense-dials": func(s *spec.Spec) bool {
			return count(s, "BatchNormalization", "") == 3 && s.Model.Layers[1].Momentum == 0.995
		},
		"six-too-little-evidence-boards": func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.15 },
		"ok-six-boards-weighted":         func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" },
		"ok-six-dials-from-logits":       func(s *spec.Spec) bool { return s.Compile.FromLogits && last(s) == "Dense:linear" },
	}
}

// The bars are judged on the sixth part when a report holds it, even
// next to the fifth part, and the dev part leaves it out.
func TestSixthPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Fifth: true, Healthy: true}, {Sixth: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "sixth " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Sixth == nil || rep.Fifth == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
