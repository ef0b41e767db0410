package diagnose

import (
	"fmt"
	"math"
)

// Loss-plateau thresholds: the training loss improved by less than 1% over
// the last 3 epochs (SageMaker Debugger's LossNotDecreasing rule compares
// the loss over a window of steps against a minimum decrease; we use
// epochs, whose mean losses are far less noisy) while it is still above 30%
// of the initial loss; a run under 0.7 accuracy is underfitting's.
const (
	plateauEpochs   = 3
	plateauMinDrop  = 0.01
	plateauAccuracy = underfitAccuracy
)

func detectLossPlateau(s *Signals) *Finding {
	loss := s.series("loss")
	n := len(loss)
	if n < plateauEpochs+1 {
		return nil
	}
	l0, ok := s.InitialLoss()
	if !ok {
		l0 = loss[0]
	}
	a, b := loss[n-1-plateauEpochs], loss[n-1]
	if math.IsNaN(a) || math.IsNaN(b) || b < convergedFactor*l0 || a-b >= plateauMinDrop*a {
		return nil
	}
	if acc := s.series("accuracy")[n-1]; acc < plateauAccuracy {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: n, Since: n - plateauEpochs + 1, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Loss plateau since epoch %d at %.3g", f.Since, b)
	f.Evidence = []Evidence{evm("loss_drop", (a-b)/a, plateauMinDrop, "training loss %.4g at epoch %d, %.4g at epoch %d: %s better in %d epochs",
		a, n-plateauEpochs, b, n, pct((a-b)/a), plateauEpochs)}
	f.Causes = []string{"the learning rate is too high to settle or too low to move on", "the model has reached its capacity"}
	f.Fixes = []string{reduceLRFix, lowerLRFix(s), largerModelFix2}
	return f
}
