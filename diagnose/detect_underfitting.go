package diagnose

import (
	"fmt"
	"math"
)

// Underfitting thresholds: after at least 2 epochs and 30% of the planned
// ones (AUTOTRAINER's judgment point, 0.3), neither training nor validation
// accuracy reached 0.7 (AUTOTRAINER's satisfied accuracy Theta), and the
// run is above chance (at chance it is not_learning's). A run whose
// training loss still fell by 15% or more in its last epoch is still
// climbing, not stuck below the target: info, train longer. (Our
// measurement: vgg-small on 1,350 MNIST images, 2 epochs: loss -52%,
// accuracy 0.31 to 0.62; models too small or too regularized to fit, and
// SGD at a tenth of its rate, fall by 1-5% an epoch, 30% label noise by
// 5-12%. The bound was 25% until issue 10: healthy runs on harder data
// that still fell 15-25% an epoch were told they underfit.)
const (
	underfitJudgment = 0.3
	underfitAccuracy = 0.7
	underfitClimbing = 0.15
)

func detectUnderfitting(s *Signals) *Finding {
	n := len(s.Epochs)
	if n < 2 || float64(n) < underfitJudgment*float64(s.Facts.PlannedEpochs) {
		return nil
	}
	acc, vacc := s.series("accuracy")[n-1], s.series("val_accuracy")[n-1]
	best := acc
	if !math.IsNaN(vacc) {
		best = max(acc, vacc)
	}
	if math.IsNaN(best) || best >= underfitAccuracy || best <= s.ChanceAccuracy()+stuckAccMargin {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: n, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Underfitting: accuracy only %.3f after %d epochs", best, n)
	f.Evidence = []Evidence{evm("accuracy", best, underfitAccuracy, "accuracy %.4f, val_accuracy %.4f at epoch %d (AUTOTRAINER expects 0.7)", acc, vacc, n)}
	loss := s.series("loss")
	if a, b := loss[n-2], loss[n-1]; a > 0 && (a-b)/a >= underfitClimbing {
		f.Severity = Info
		f.Title = fmt.Sprintf("Accuracy only %.3f after %d epochs, but still climbing", best, n)
		f.Evidence = append(f.Evidence, evm("loss_drop", (a-b)/a, underfitClimbing, "the training loss fell by %s in the last epoch (%.4g to %.4g)", pct((a-b)/a), a, b))
		f.Causes = []string{"not trained long enough"}
		f.Fixes = []string{epochsFix(s, 2)}
		return f
	}
	if sf := s.Facts.Sanity; sf != nil {
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("the sanity check overfit %d samples to loss %.3g", sf.Samples, float64(sf.FinalLoss))))
	}
	f.Causes = []string{"the model is too small for the task", "too much regularization (dropout)", "not trained long enough"}
	f.Fixes = []string{largerModelFix,
		"lower the Dropout rates (model.layers[i].rate)", epochsFix(s, 2)}
	return f
}
