package diagnose

import "fmt"

// Sanity-check thresholds (Karpathy, "A Recipe for Training Neural
// Networks": overfit a single batch; TheDeepChecker's overfit check on one
// batch): a healthy model and pipeline bring the loss on 32 samples near
// zero within 200 steps. Passed: a final loss under 10% of the initial
// (or 100% accuracy with a loss under 0.25). Not even halved: critical.
const (
	sanityPass     = 0.1
	sanityPassLoss = 0.25
	sanityBroken   = 0.5
)

func detectSanityFailed(s *Signals) *Finding {
	sf := s.Facts.Sanity
	if sf == nil {
		return nil
	}
	a, b := float64(sf.InitialLoss), float64(sf.FinalLoss)
	if finite(b) && (b <= sanityPass*a || sf.Accuracy == 1 && b < sanityPassLoss) {
		return nil
	}
	f := &Finding{Severity: Warning}
	if !finite(b) || b > sanityBroken*a {
		f.Severity = Critical
	}
	f.Title = fmt.Sprintf("Sanity check failed: %d samples not learned in %d steps (loss %.3g to %.3g)", sf.Samples, sf.Steps, a, b)
	f.Evidence = []Evidence{evm("sanity_loss_ratio", b/a, sanityPass, "loss on %d fixed samples went from %.4g to %.4g in %d steps, accuracy %.2f",
		sf.Samples, a, b, sf.Steps, sf.Accuracy)}
	f.Causes = []string{"the learning rate is far off", "the output activation or the loss is wrong", "the model is too small or too regularized",
		"the labels do not match the images"}
	f.Fixes = []string{knownGoodFix}
	return f
}
