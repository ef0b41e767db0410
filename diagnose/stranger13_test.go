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
