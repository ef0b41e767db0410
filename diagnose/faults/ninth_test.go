package faults

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ninthShapes are the ninth generators' (height, width, channels).
var ninthShapes = map[string][3]int{"numerals": {28, 28, 1}, "lamps": {48, 48, 3}, "fibres": {32, 32, 1}, "notes": {NoteHeight, NoteWidth, 1}}

// The ninth generators are deterministic, give the asked size, channels
// and class counts, and draw different, non-blank images; an unknown
// class is an error.
func TestNinthGenerators(t *testing.T) {
	checkGenerators(t, []Data{numeralsData(2), lampsData(3), fibresData(4), notesData(3)}, ninthShapes, 60)
	for name, gen := range ninthGenerators {
		if _, err := gen(GenOptions{Classes: []string{"unknown", "class"}, Counts: []int{2, 2}}); err == nil {
			t.Errorf("%s: an unknown class is no error", name)
		}
	}
}

// Every digit has its own strokes, and every traffic-light state its own
// set of lit lamps.
func TestNumeralsAndLampsDiffer(t *testing.T) {
	for i, a := range NumeralClasses {
		if len(numeralStrokes[a]) == 0 {
			t.Fatalf("%s has no strokes", a)
		}
		for _, b := range NumeralClasses[:i] {
			if slices.EqualFunc(numeralStrokes[a], numeralStrokes[b], slices.Equal) {
				t.Errorf("%s and %s are drawn the same", a, b)
			}
		}
	}
	seen := map[[3]bool]string{}
	for _, name := range LampClasses {
		lit := lampLit(name)
		if other, ok := seen[lit]; ok {
			t.Errorf("%s lights the same lamps as %s", name, other)
		}
		seen[lit] = name
	}
}

// A whole note is a hollow head alone, a half note a hollow head on a
// stem, a quarter a filled one, an eighth and a sixteenth add one and
// two flags (two strokes each), and beamed notes are two filled heads on
// two stems joined by a beam.
func TestNoteMarks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[string][3]int{ // strokes, heads, filled heads
		"whole": {0, 1, 0}, "half": {1, 1, 0}, "quarter": {1, 1, 1}, "eighth": {3, 1, 1}, "sixteenth": {5, 1, 1}, "beamed": {3, 2, 2},
	}
	for i := 0; i < 20; i++ {
		for _, name := range NoteClasses {
			strokes, heads := noteMarks(rng, name, 6, 4, NoteWidth)
			filled := 0
			for _, h := range heads {
				filled += int(h[2])
			}
			if got := [3]int{len(strokes), len(heads), filled}; got != want[name] {
				t.Errorf("%s: %v strokes, heads, filled heads; want %v", name, got, want[name])
			}
		}
	}
}

// A straight fibre keeps close to its chord's line; a crimped one waves
// across it.
func TestFibreCrimp(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	wave := func(segs [][4]float64) float64 { // the mean turn between segments
		sum := 0.0
		for i := 1; i < len(segs); i++ {
			a := math.Atan2(segs[i-1][3]-segs[i-1][1], segs[i-1][2]-segs[i-1][0])
			b := math.Atan2(segs[i][3]-segs[i][1], segs[i][2]-segs[i][0])
			sum += math.Abs(math.Remainder(b-a, 2*math.Pi))
		}
		return sum / float64(len(segs)-1)
	}
	for i := 0; i < 30; i++ {
		if w := wave(fibrePath(rng, false, 32)); w > 0.05 {
			t.Errorf("a straight fibre turns %.2f rad a step", w)
		}
		if w := wave(fibrePath(rng, true, 32)); w < 0.1 {
			t.Errorf("a crimped fibre turns only %.2f rad a step", w)
		}
	}
}

func ninthScenario(t *testing.T, name string) Scenario {
	t.Helper()
	return scenarioIn(t, slices.Concat(ninthFaults, ninthHealthy), name)
}

// Every ninth scenario's spec validates and its model builds for its
// data (a RefuseOK one may be refused, with an error), the part is
// registered whole and is at most 270 runs at 5 seeds.
func TestNinthSpecsValidate(t *testing.T) {
	checkPartSpecs(t, "ninth", "nin-", ninthFaults, ninthHealthy, ninthShapes)
	if len(ninthFaults) < 30 || len(ninthHealthy) < 16 || 5*(len(ninthFaults)+len(ninthHealthy)) > 270 {
		t.Errorf("%d faults, %d healthy", len(ninthFaults), len(ninthHealthy))
	}
}

// No healthy configuration trains the same data with the same spec as an
// injected problem.
func TestNinthHealthyDifferFromFaults(t *testing.T) {
	checkHealthyDiffer(t, ninthHealthy, ninthFaults)
}

// The ninth part's faults are in what it trains on: the flipped share,
// the shuffled labels, the imbalance counts, the copies, and in the spec
// the rates, scaling, layers and loss the problem names.
func TestNinthFaultsAreInjected(t *testing.T) {
	for name, share := range map[string]float64{"nin-label-noise-40-numerals": 0.4, "nin-label-noise-35-lamps": 0.35} {
		d := ninthScenario(t, name).Data
		d.PerClass = 20
		if n, of := flipped(t, d, 3); n != int(share*float64(of)+0.5) {
			t.Errorf("%s: %d of %d labels flipped, want %.0f%%", name, n, of, 100*share)
		}
	}
	for name, want := range map[string][]int{"nin-imbalance-97-3-fibres": {291, 9}, "nin-imbalance-93-5-2-lamps": {372, 20, 8}, "ok-nin-fibres-weighted": {300, 100}} {
		if got := ninthScenario(t, name).Data.counts(); !slices.Equal(got, want) {
			t.Errorf("%s: counts %v, want %v", name, got, want)
		}
	}
	if !ninthScenario(t, "nin-shuffled-numerals").Data.ShuffleLabels || !ninthScenario(t, "nin-shuffled-fibres-300").Data.ShuffleLabels ||
		ninthScenario(t, "nin-leakage-near-numerals").Data.Jitter != 3 || !ninthScenario(t, "nin-leakage-lamps").Data.Duplicate {
		t.Error("the shuffled or copied data is not broken")
	}
	for name, ok := range ninthSpecChecks() {
		sc := ninthScenario(t, name)
		if s := Spec(sc, "data", 1); !ok(s) {
			t.Errorf("%s: the spec does not hold the injected problem (%s)", name, sc.Problem)
		}
	}
}
