package diagnose

import (
	"strings"
	"testing"
)

// A run of too few steps whose validation split is also too small to
// show learning names both: a stranger's 18-image folder (3 classes, 2
// validation images) trained 5 epochs of 1 step was told only "train
// longer: fit.epochs: 10"; after 15 epochs the verdict was inconclusive
// again, now for the 2 validation images, which no number of epochs
// changes. The validation fix now comes first, and the steps fix stays.
func TestTooFewStepsAlsoNamesTooFewValidationImages(t *testing.T) {
	s := healthySignals(t, 3)
	s.Facts.Loss = LossTrace{}
	s.Records = s.Records[:1]
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(i + 1)
	}
	s.Facts.StepsPerEpoch = 1
	for i := range s.Facts.Val {
		s.Facts.Val[i] = ValFacts{Epoch: i + 1, Support: []int{1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
			Pred: []int{1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, Correct: []int{1, 1, 0, 0, 0, 0, 0, 0, 0, 0}}
	}
	s.Final = true
	f := wantFinding(t, "inconclusive", s, Warning)
	var evidence []string
	for _, e := range f.Evidence {
		evidence = append(evidence, e.Text)
	}
	all := strings.Join(evidence, "\n")
	if !strings.Contains(all, "only 3 optimizer step(s)") || !strings.Contains(all, "even a perfect score") {
		t.Errorf("evidence does not name both the steps and the validation images:\n%s", all)
	}
	if !strings.Contains(f.Fixes[0], "validation") {
		t.Errorf("first fix %q, want one that adds validation images (fixes %q)", f.Fixes[0], f.Fixes)
	}
	if !strings.Contains(strings.Join(f.Fixes, "\n"), "fit.epochs") {
		t.Errorf("fixes %q do not keep training longer", f.Fixes)
	}

	// Enough validation images: training longer is the first fix, as before.
	s = healthySignals(t, 3)
	s.Facts.Loss = LossTrace{}
	s.Records = s.Records[:1]
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(i + 1)
	}
	s.Facts.StepsPerEpoch = 1
	s.Final = true
	f = wantFinding(t, "inconclusive", s, Warning)
	if !strings.Contains(f.Fixes[0], "fit.epochs") || len(f.Evidence) != 2 {
		t.Errorf("100 validation images, 3 steps: fixes %q, evidence %v", f.Fixes, f.Evidence)
	}
}

// The validation split a too-small split's fix proposes is checked
// against the run's own images: a stranger's 18 images of 3 classes
// (validation 0.1: 2 images) were told "--val-split 0.2", which holds out
// 4 images, 2 of one class: even a perfect score would still not be
// clearly above chance (0.398 vs 0.5), and the next run was inconclusive
// again. 0.3 holds out 2 of each class (0.541 vs 0.333). Where no split
// of the images would do, the fix says to add images.
func TestTooSmallSplitFixIsOneThatCanTell(t *testing.T) {
	tiny := func(train, val []int) *Signals {
		s := healthySignals(t, 3)
		s.Classes = s.Classes[:len(train)]
		s.Facts.Data.Classes, s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = s.Classes, train, 1.2
		for i := range s.Facts.Val {
			s.Facts.Val[i] = ValFacts{Epoch: i + 1, Support: val, Pred: val, Correct: val}
		}
		s.Final = true
		return s
	}
	f := wantFinding(t, "inconclusive", tiny([]int{5, 5, 6}, []int{1, 1, 0}), Warning)
	if !strings.Contains(f.Fixes[0], "--val-split 0.3") || !strings.Contains(f.Fixes[0], "6 of the 18 images") {
		t.Errorf("18 images: fixes %q, want --val-split 0.3 first", f.Fixes)
	}
	// doctor can apply it: its action sets the split.
	a := find(Analyze(tiny([]int{5, 5, 6}, []int{1, 1, 0})), "inconclusive")
	if a == nil || len(a.Actions) == 0 || a.Actions[0].Fix != f.Fixes[0] || a.Actions[0].Describe() != "data.validation_split: 0.3" {
		t.Errorf("18 images: actions %+v", a)
	}
	f = wantFinding(t, "inconclusive", tiny([]int{3, 3}, []int{1, 0}), Warning)
	if !strings.HasPrefix(f.Fixes[0], "add images to every class: even data.validation_split: 0.3 would hold out only 3 of these 7 images") {
		t.Errorf("7 images: fixes %q, want more images first", f.Fixes)
	}
}
