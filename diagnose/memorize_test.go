package diagnose

import "testing"

// A model that fits its training images (accuracy past halfway from
// chance to 1) while validation stays at chance memorizes: overfitting
// is named first, the verdict stays not learning. A model that fits its
// training images barely better than validation is not learning first.
func TestMemorizingAtChanceNamesOverfitting(t *testing.T) {
	build := func(acc float64) *Signals {
		s := healthySignals(t, 8)
		s.Final = true
		valAt(s, 15, 0.1)
		setEpochs(s, "loss", 2.2, 1.9, 1.6, 1.3, 1.0, 0.8, 0.6, 0.5)
		setEpochs(s, "accuracy", 0.2, 0.3, 0.4, 0.5, acc-0.1, acc-0.05, acc, acc)
		setEpochs(s, "val_loss", 2.3, 2.25, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7)
		setEpochs(s, "val_accuracy", 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)
		s.Facts.Noise = nil
		return s
	}
	d := Analyze(build(0.8))
	if len(d.Findings) < 2 || d.Findings[0].ID != "overfitting" || d.Verdict != NotLearning || find(d, "not_learning") == nil {
		t.Fatalf("verdict %q, findings %v", d.Verdict, ids(d.Findings))
	}
	d = Analyze(build(0.45))
	if len(d.Findings) == 0 || d.Findings[0].ID != "not_learning" || d.Verdict != NotLearning {
		t.Errorf("training accuracy 0.45: verdict %q, findings %v", d.Verdict, ids(d.Findings))
	}
}
