package faults

import (
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// novelShapes are the novel generators' (height, width, channels).
var novelShapes = map[string][3]int{"weave": {32, 32, 3}, "pips": {24, 24, 1}, "fruit": {48, 48, 3}, "scope": {ScopeHeight, ScopeWidth, 3}}

// The novel generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images.
func TestNovelGenerators(t *testing.T) {
	checkGenerators(t, []Data{weaveData(5), pipsData(5), fruitData(5), scopeData(5)}, novelShapes, 60)
	for name, gen := range novelGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// The weaves differ where the class says: plain and twill are periodic
// in 2 and 4 threads, satin has one warp float in five, and herringbone
// turns its twill.
func TestWeavePatterns(t *testing.T) {
	up := func(name string, i, j int) int {
		if weaveWarpUp(name, i, j) {
			return 1
		}
		return 0
	}
	for _, name := range WeaveClasses {
		n := 0
		for i := -8; i < 8; i++ {
			for j := -10; j < 10; j++ {
				n += up(name, i, j)
			}
		}
		want := map[string]int{"plain": 160, "twill": 160, "satin": 256, "basket": 160, "herringbone": 160}[name]
		if n != want {
			t.Errorf("%s: the warp is up at %d of 320 crossings, want %d", name, n, want)
		}
	}
	if up("twill", 0, 0) != up("twill", 1, -1) || up("herringbone", 4, 0) != up("herringbone", 5, 1) || up("herringbone", 0, 0) != up("herringbone", 1, -1) {
		t.Error("a twill diagonal or the herringbone's turn is not where it belongs")
	}
}

func novelScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(novelFaults, novelHealthy), name)
}

// Every novel scenario's spec validates and its model builds for its
// data (a RefuseOK one may be refused, with an error), and the part is
// registered whole.
func TestNovelSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "novel", "n-", novelFaults, novelHealthy, novelShapes)
	if len(novelFaults) < 30 || len(novelHealthy) < 14 {
		t.Errorf("%d faults, %d healthy", len(novelFaults), len(novelHealthy))
	}
}

// The novel part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, and in the spec the rates,
// scaling, layers and loss the problem names.
func TestNovelFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"n-label-noise-50-pips": 0.5, "n-label-noise-40-weave": 0.4} {
		d := novelScenario(t, name).Data
		d.PerClass = 10
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"n-imbalance-96-4-weave": {288, 12}, "n-imbalance-93-7-scope": {558, 42}, "ok-n-weave-weighted-85-15": {255, 45}} {
		if got := novelScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if d := novelScenario(t, "n-shuffled-pips").Data; !d.ShuffleLabels || novelScenario(t, "n-leakage-near-fruit").Data.Jitter != 4 {
		t.Error("the shuffled or near-copied data is not broken")
	}
	last := func(s *spec.Spec) string {
		l := s.Model.Layers[len(s.Model.Layers)-1]
		return l.Type + ":" + l.Activation
	}
	count := func(typ, act string) func(s *spec.Spec) int {
		return func(s *spec.Spec) int {
			return countLayers(s, func(t, a string, _ float64) bool { return t == typ && (act == "" || a == act) })
		}
	}
	checks := map[string]func(s *spec.Spec) bool{
		"n-lr-high-adam-fruit":        func(s *spec.Spec) bool { return s.Compile.Optimizer == "adam" && s.Compile.LearningRate == 0.1 },
		"n-lr-high-nesterov-pips":     func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.6 && s.Compile.Nesterov },
		"n-lr-low-adamw-weave":        func(s *spec.Spec) bool { return s.Compile.Optimizer == "adamw" && s.Compile.LearningRate == 3e-7 },
		"n-lr-low-sgd-momentum-fruit": func(s *spec.Spec) bool { return s.Compile.LearningRate == 5e-5 && s.Compile.Momentum == 0.5 },
		"n-sigmoid-conv-sgd-weave":    func(s *spec.Spec) bool { return count("Conv2D", "sigmoid")(s) == 6 },
		"n-hard-sigmoid-dense-scope":  func(s *spec.Spec) bool { return count("Dense", "hard_sigmoid")(s) == 8 },
		"n-init-ones-separable-fruit": func(s *spec.Spec) bool { return s.Model.Layers[2].PointwiseInit == "ones" },
		"n-init-zeros-branches-pips":  func(s *spec.Spec) bool { return s.Model.Layers[1].KernelInitializer == "zeros" },
		"n-unscaled-centered-weave": func(s *spec.Spec) bool {
			return s.Data.Preprocessing.Rescale == 1 && s.Data.Preprocessing.FeaturewiseCenter
		},
		"n-unscaled-scope-sgd":         func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Optimizer == "sgd" },
		"n-dropout-input-pips":         func(s *spec.Spec) bool { return s.Model.Layers[0].Type == "Dropout" && count("Dropout", "")(s) == 2 },
		"n-tanh-output-pips":           func(s *spec.Spec) bool { return last(s) == "Dense:tanh" },
		"n-softmax-from-logits-weave":  func(s *spec.Spec) bool { return s.Compile.FromLogits && s.Model.Preset != "" },
		"n-double-softmax-graph-fruit": func(s *spec.Spec) bool { return last(s) == "Activation:softmax" && count("Concatenate", "")(s) == 1 },
		"n-relu6-output-scope":         func(s *spec.Spec) bool { return last(s) == "Dense:relu6" },
		"n-bn-momentum-0999-fruit":     func(s *spec.Spec) bool { return s.Model.Layers[1].Momentum == 0.999 },
		"n-bn-lag-residual-pips":       func(s *spec.Spec) bool { return s.Model.Layers[3].Momentum == 0.99 && s.Fit.BatchSize == 16 },
		"n-too-little-evidence-scope":  func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.05 },
	}
	for name, ok := range checks {
		sc := novelScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}

// The bars are judged on the novel part when a report holds it, even
// next to the fresh part, and the dev part leaves it out.
func TestNovelPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Fresh: true, Healthy: true}, {Novel: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "novel " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Novel == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
