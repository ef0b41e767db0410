package faults

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// fifthShapes are the fifth generators' (height, width, channels).
var fifthShapes = map[string][3]int{"cracks": {40, 40, 1}, "signs": {40, 40, 3}, "spectro": {SpectroHeight, SpectroWidth, 1}, "galaxy": {48, 48, 3}}

// The fifth generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images.
func TestFifthGenerators(t *testing.T) {
	checkGenerators(t, []Data{cracksData(4), signsData(4), spectroData(4), galaxyData(4)}, fifthShapes, 60)
	for name, gen := range fifthGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// The sign outlines are where the class says: the centre is inside every
// one, a point straight above the centre at 0.9 of the radius is inside
// the warning triangle and the octagon but outside the yield triangle,
// and a point at 0.9 of the radius towards a diamond's side (45°) is
// outside the diamond but inside the circle.
func TestSignOutlines(t *testing.T) {
	for _, name := range SignClasses {
		if d := signDistance(name, 0, 0, 10); d >= 0 {
			t.Errorf("%s: the centre is outside (%.2f)", name, d)
		}
	}
	up := func(name string) bool { return signDistance(name, 0, -9, 10) < 0 }
	if !up("warning") || !up("octagon") || up("yield") {
		t.Errorf("above the centre: warning %v, octagon %v, yield %v", up("warning"), up("octagon"), up("yield"))
	}
	c := 9 * math.Sqrt(0.5)
	if signDistance("diamond", c, c, 10) < 0 || signDistance("round", c, c, 10) >= 0 {
		t.Error("the diamond or the circle is not where it belongs")
	}
}

func fifthScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(fifthFaults, fifthHealthy), name)
}

// Every fifth scenario's spec validates and its model builds for its data
// (a RefuseOK one may be refused, with an error), and the part is
// registered whole.
func TestFifthSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "fifth", "v-", fifthFaults, fifthHealthy, fifthShapes)
	if len(fifthFaults) < 26 || len(fifthHealthy) < 16 {
		t.Errorf("%d faults, %d healthy", len(fifthFaults), len(fifthHealthy))
	}
}

// checkPartSpecs checks that every scenario of a part validates, builds
// for its data's shape (a RefuseOK one may be refused with an error), is
// named "<prefix>..." ("ok-<prefix>..." when healthy) with an expected
// cause for a fault, and that the part registers them all.
func checkPartSpecs(t *testing.T, part, prefix string, faults, healthy []Scenario, shapes map[string][3]int) {
	t.Helper()
	for _, sc := range slices.Concat(faults, healthy) {
		s := Spec(sc, "data", 1)
		sh := shapes[sc.Data.Source]
		err := s.Validate()
		if err == nil {
			err = s.ValidateForData(len(sc.Data.Classes))
		}
		if err == nil {
			_, err = train.BuildModel(s, tensor.Shape{sh[0], sh[1], sh[2]}, len(sc.Data.Classes))
		}
		if err != nil && !sc.RefuseOK {
			t.Errorf("%s: %v", sc.Name, err)
		}
		if sc.Healthy() != strings.HasPrefix(sc.Name, "ok-"+prefix) || !sc.Healthy() && (len(sc.Expect) == 0 || !strings.HasPrefix(sc.Name, prefix)) {
			t.Errorf("%s: named or expected wrongly (problem %q, expect %v)", sc.Name, sc.Problem, sc.Expect)
		}
	}
	n := 0
	for _, s := range slices.Concat(Faults, Healthy) {
		if s.Part() == part {
			n++
		}
	}
	if n != len(faults)+len(healthy) {
		t.Errorf("%d %s scenarios registered, want %d", n, part, len(faults)+len(healthy))
	}
}

// checkHealthyDiffer checks that no healthy configuration of a part
// trains the same data with the same spec as one of its injected
// problems.
func checkHealthyDiffer(t *testing.T, healthy, faults []Scenario) {
	t.Helper()
	key := func(sc Scenario) string {
		b, err := json.Marshal(Spec(sc, "data", 1))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, h := range healthy {
		for _, f := range faults {
			if reflect.DeepEqual(h.Data, f.Data) && key(h) == key(f) {
				t.Errorf("%s trains as %s", h.Name, f.Name)
			}
		}
	}
}

// The fifth part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, and in the spec the rates,
// scaling, layers and loss the problem names.
func TestFifthFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"v-label-noise-45-signs": 0.45, "v-label-noise-35-spectro": 0.35} {
		d := fifthScenario(t, name).Data
		d.PerClass = 10
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"v-imbalance-95-5-cracks": {285, 15}, "v-imbalance-92-8-galaxy": {368, 32}, "ok-v-signs-weighted-90-10": {270, 30}} {
		if got := fifthScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if !fifthScenario(t, "v-shuffled-spectro").Data.ShuffleLabels || fifthScenario(t, "v-leakage-near-cracks").Data.Jitter != 6 ||
		!fifthScenario(t, "v-leakage-signs").Data.Duplicate {
		t.Error("the shuffled or copied data is not broken")
	}
	count := func(s *spec.Spec, typ, act string) int {
		return countLayers(s, func(t, a string, _ float64) bool { return t == typ && (act == "" || a == act) })
	}
	last := func(s *spec.Spec) string {
		l := s.Model.Layers[len(s.Model.Layers)-1]
		return l.Type + ":" + l.Activation
	}
	checks := map[string]func(s *spec.Spec) bool{
		"v-lr-high-sgd-galaxy":           func(s *spec.Spec) bool { return s.Compile.Optimizer == "sgd" && s.Compile.LearningRate == 3 },
		"v-lr-high-adamw-signs":          func(s *spec.Spec) bool { return s.Compile.Optimizer == "adamw" && s.Compile.LearningRate == 0.2 },
		"v-lr-high-adam-batch-8-spectro": func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.05 && s.Fit.BatchSize == 8 },
		"v-lr-low-adam-spectro":          func(s *spec.Spec) bool { return s.Compile.LearningRate == 1e-7 },
		"v-lr-low-rmsprop-cracks":        func(s *spec.Spec) bool { return s.Compile.Optimizer == "rmsprop" && s.Compile.LearningRate == 2e-7 },
		"v-sigmoid-dense-sgd-spectro":    func(s *spec.Spec) bool { return count(s, "Dense", "sigmoid") == 7 },
		"v-sigmoid-conv-galaxy":          func(s *spec.Spec) bool { return count(s, "Conv2D", "sigmoid") == 5 },
		"v-init-ones-galaxy":             func(s *spec.Spec) bool { return s.Model.Layers[0].KernelInitializer == "ones" },
		"v-init-zeros-dense-cracks": func(s *spec.Spec) bool {
			return s.Model.Layers[6].KernelInitializer == "zeros" && s.Model.Layers[0].KernelInitializer == ""
		},
		"v-unscaled-galaxy":            func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 },
		"v-unscaled-cracks-rmsprop":    func(s *spec.Spec) bool { return s.Data.Preprocessing.Rescale == 1 && s.Compile.Optimizer == "rmsprop" },
		"v-dropout-everywhere-spectro": func(s *spec.Spec) bool { return count(s, "Dropout", "") == 4 },
		"v-too-small-gap-spectro":      func(s *spec.Spec) bool { return len(s.Model.Layers) == 2 },
		"v-too-small-strided-galaxy":   func(s *spec.Spec) bool { return s.Model.Layers[0].Strides[0] == 8 },
		"v-sigmoid-output-signs":       func(s *spec.Spec) bool { return last(s) == "Dense:sigmoid" },
		"v-linear-output-spectro":      func(s *spec.Spec) bool { return last(s) == "Dense:linear" },
		"v-binary-loss-galaxy":         func(s *spec.Spec) bool { return s.Compile.Loss == "binary_crossentropy" },
		"v-dying-relu-dense-signs":     func(s *spec.Spec) bool { return s.Compile.LearningRate == 0.3 && count(s, "Dense", "relu") == 6 },
		"v-bn-lag-galaxy":              func(s *spec.Spec) bool { return s.Model.Layers[1].Momentum == 0.99 },
		"v-bn-0999-separable-spectro": func(s *spec.Spec) bool {
			return count(s, "BatchNormalization", "") == 3 && s.Model.Layers[1].Momentum == 0.999
		},
		"v-too-little-evidence-signs": func(s *spec.Spec) bool { return *s.Data.ValidationSplit == 0.1 },
		"ok-v-signs-weighted-90-10":   func(s *spec.Spec) bool { return s.Data.ClassWeight.Mode == "balanced" },
	}
	for name, ok := range checks {
		sc := fifthScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}

// The bars are judged on the fifth part when a report holds it, even
// next to the novel part, and the dev part leaves it out.
func TestFifthPartIsJudged(t *testing.T) {
	rep := &Report{Runs: []Run{{Novel: true, Healthy: true}, {Fifth: true, Problem: "x", Detected: true}, {Problem: "y"}}}
	rep.summarize()
	s, name := rep.judged()
	if name != "fifth " || s.FaultRuns != 1 || s.HealthyRuns != 0 || rep.Fifth == nil || rep.Novel == nil || rep.Dev == nil || rep.Dev.FaultRuns != 1 {
		t.Errorf("judged %q: %+v; dev %+v", name, s, rep.Dev)
	}
}
