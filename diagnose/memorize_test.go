package diagnose

import (
	"strings"
	"testing"
)

// A model that fits its training images (accuracy past halfway from
// chance to 1) while validation ends at chance: overfitting is named
// first when the validation was clearly above chance at two evaluations
// running before, or the training set is too small to generalize from
// (fewer than memorizeClassImages a class); the verdict stays not
// learning. Validation at chance the whole run on a training set of 100
// images a class is the labels' (not_learning first, overfitting
// information only). A model that fits its training images barely better
// than validation is not learning first.
func TestMemorizingAtChanceNamesOverfitting(t *testing.T) {
	build := func(acc float64, perClass int, vacc ...float64) *Signals {
		s := healthySignals(t, 8)
		s.Final = true
		valAt(s, 15, 0.1)
		for k := range s.Facts.Data.TrainCounts {
			s.Facts.Data.TrainCounts[k] = perClass
		}
		setEpochs(s, "loss", 2.2, 1.9, 1.6, 1.3, 1.0, 0.8, 0.6, 0.5)
		setEpochs(s, "accuracy", 0.2, 0.3, 0.4, 0.5, acc-0.1, acc-0.05, acc, acc)
		setEpochs(s, "val_loss", 2.3, 2.25, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7)
		setEpochs(s, "val_accuracy", 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)
		for i, a := range vacc {
			v := &s.Facts.Val[i]
			for k := range v.Correct {
				v.Correct[k] = int(a * float64(v.Support[k]))
			}
		}
		s.Facts.Noise = nil
		return s
	}
	for _, c := range []struct {
		name     string
		acc      float64
		perClass int
		vacc     []float64
		first    string
		overfit  Severity
	}{
		{"tiny training set", 0.8, 6, nil, "overfitting", Critical},
		{"once above chance", 0.8, 100, []float64{0.1, 0.3, 0.35}, "overfitting", Critical},
		{"above chance at one epoch only", 0.8, 100, []float64{0.1, 0.3, 0.1}, "not_learning", Info},
		{"never above chance", 0.8, 100, nil, "not_learning", Info},
		{"barely fits its training images", 0.45, 6, nil, "not_learning", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Analyze(build(c.acc, c.perClass, c.vacc...))
			if len(d.Findings) == 0 || d.Findings[0].ID != c.first || d.Verdict != NotLearning || find(d, "not_learning") == nil {
				t.Fatalf("verdict %q, findings %v", d.Verdict, ids(d.Findings))
			}
			o := find(d, "overfitting")
			if c.overfit != "" && (o == nil || o.Severity != c.overfit) {
				t.Fatalf("overfitting %+v, want %s", o, c.overfit)
			}
			if c.first == "not_learning" && !strings.Contains(d.Findings[0].Causes[0], "labels") {
				t.Errorf("first cause %q", d.Findings[0].Causes[0])
			}
		})
	}
}
