package faults

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// eighthShapes are the eighth generators' (height, width, channels).
var eighthShapes = map[string][3]int{"suits": {36, 36, 3}, "charts": {ChartHeight, ChartWidth, 3}, "rosettes": {28, 28, 1}, "tracks": {32, 32, 1}}

// The eighth generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images; an unknown
// class is an error.
func TestEighthGenerators(t *testing.T) {
	checkGenerators(t, []Data{suitsData(3), chartsData(3), rosettesData(2), tracksData(4)}, eighthShapes, 60)
	for name, gen := range eighthGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// Every suit's symbol covers a fair share of its box and differs from
// every other suit's on at least a sixteenth of the box.
func TestSuitShapesDiffer(t *testing.T) {
	masks := make([][]bool, len(SuitClasses))
	for k, name := range SuitClasses {
		for v := -1.2; v <= 1.2; v += 0.05 {
			for u := -1.2; u <= 1.2; u += 0.05 {
				masks[k] = append(masks[k], suitDistance(name, u, v) < 0)
			}
		}
		if in := trueCount(masks[k]); in < len(masks[k])/6 || in > len(masks[k])*2/3 {
			t.Errorf("%s covers %d of %d points", name, in, len(masks[k]))
		}
		for j := range k {
			diff := 0
			for i := range masks[k] {
				if masks[k][i] != masks[j][i] {
					diff++
				}
			}
			if diff < len(masks[k])/16 {
				t.Errorf("%s and %s differ on %d of %d points", name, SuitClasses[j], diff, len(masks[k]))
			}
		}
	}
}

func trueCount(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// A muon is one long track, a shower several short ones from a vertex,
// a spiral a curl that stays near its centre.
func TestTrackEvents(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	length := func(segs [][4]float64) float64 {
		l := 0.0
		for _, s := range segs {
			l += math.Hypot(s[2]-s[0], s[3]-s[1])
		}
		return l
	}
	for i := 0; i < 50; i++ {
		if m := trackSegments(rng, "muon", 32); length(m) < 60 || math.Hypot(m[0][0]-m[len(m)-1][2], m[0][1]-m[len(m)-1][3]) < 50 {
			t.Errorf("muon: length %.0f", length(m))
		}
		if s := trackSegments(rng, "shower", 32); len(s) < 10 || length(s) > 100 {
			t.Errorf("shower: %d segments, length %.0f", len(s), length(s))
		}
		if s := trackSegments(rng, "spiral", 32); math.Hypot(s[0][0]-s[len(s)-1][2], s[0][1]-s[len(s)-1][3]) > 20 {
			t.Errorf("spiral: ends far apart")
		}
	}
}

func eighthScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(eighthFaults, eighthHealthy), name)
}

// Every eighth scenario's spec validates and its model builds for its
// data, the part is registered whole and is at most about 250 runs at
// 5 seeds.
func TestEighthSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "eighth", "eig-", eighthFaults, eighthHealthy, eighthShapes)
	if len(eighthFaults) < 30 || len(eighthHealthy) < 16 || 5*(len(eighthFaults)+len(eighthHealthy)) > 250 {
		t.Errorf("%d faults, %d healthy", len(eighthFaults), len(eighthHealthy))
	}
}

// No healthy configuration trains the same data with the same spec as an
// injected problem.
func TestEighthHealthyDifferFromFaults(t *testing.T) {
	checkHealthyDiffer(t, eighthHealthy, eighthFaults)
}

// The eighth part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, the copies, and in the spec
// the rates, scaling, layers and loss the problem names.
func TestEighthFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"eig-label-noise-40-suits": 0.4, "eig-label-noise-30-tracks": 0.3} {
		d := eighthScenario(t, name).Data
		d.PerClass = 5
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"eig-imbalance-96-4-tracks": {288, 12}, "eig-imbalance-92-5-3-charts": {368, 20, 12}, "ok-eig-tracks-weighted": {300, 90, 60}} {
		if got := eighthScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if !eighthScenario(t, "eig-shuffled-rosettes").Data.ShuffleLabels || !eighthScenario(t, "eig-shuffled-charts-180").Data.ShuffleLabels ||
		eighthScenario(t, "eig-leakage-near-tracks").Data.Jitter != 4 || !eighthScenario(t, "eig-leakage-charts").Data.Duplicate {
		t.Error("the shuffled or copied data is not broken")
	}
	for name, ok := range eighthSpecChecks() {
		sc := eighthScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}
