package diagnose

import (
	"fmt"
	"math"
	"strings"
)

// Loss-plateau thresholds: the training loss improved by less than 1% over
// the last 3 epochs (SageMaker Debugger's LossNotDecreasing rule compares
// the loss over a window of steps against a minimum decrease; we use
// epochs, whose mean losses are far less noisy) while it is still above 30%
// of the initial loss; a run under 0.7 accuracy is underfitting's. A loss
// that still reaches new lows in those epochs is not on a plateau (newLow).
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
	if math.IsNaN(a) || math.IsNaN(b) || b < convergedFactor*l0 || a-b >= plateauMinDrop*a || newLow(loss, plateauEpochs) {
		return nil
	}
	if acc := s.series("accuracy")[n-1]; acc < plateauAccuracy {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: n, Since: n - plateauEpochs + 1, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Loss plateau since epoch %d at %.3g", f.Since, b)
	f.Evidence = []Evidence{evm("loss_drop", (a-b)/a, plateauMinDrop, "training loss %.4g at epoch %d, %.4g at epoch %d: %s in %d epochs",
		a, n-plateauEpochs, b, n, lossChange(a, b), plateauEpochs)}
	f.Causes = []string{"the learning rate is too high to settle or too low to move on", "the model has reached its capacity"}
	f.Fixes = []string{reduceLRFix, lowerLRFix(s), largerModelFix2}
	return plateauHandled(s, f)
}

// newLow reports whether the lowest training loss of the last w epochs
// is at least plateauMinDrop below the lowest of every epoch before: the
// loss still reaches new lows, though its last epoch may sit above the
// epoch w back. A loss that zigzags from epoch to epoch (RMSprop on 270
// two-class images: 0.19, 0.26, 0.18, 0.24 in its last four epochs, at
// 0.95 training accuracy and 0.83 validation; issue 10, ninth round (c))
// or jumps up at the very end after a new low (SGD with momentum: 0.32
// at epoch 10, 0.54 and 0.60 after) is no plateau.
func newLow(loss []float64, w int) bool {
	n := len(loss)
	if n <= w {
		return false
	}
	before, recent := math.Inf(1), math.Inf(1)
	for i, v := range loss {
		if !finite(v) {
			continue
		}
		if i < n-w {
			before = min(before, v)
		} else {
			recent = min(recent, v)
		}
	}
	return finite(before) && before-recent >= plateauMinDrop*before
}

// plateauHandled turns a plateau into information at the end of a run
// that early stopping ended (or whose best epoch's weights it restores)
// when the delivered model is clearly above chance: stopping once the
// monitored metric no longer improves is that callback's job, not a
// sign of a wrong learning rate. Seen on the seventh part: a healthy
// 70:20:10 pills run (ok-sev-pills-early-stop seed 1) stopped at epoch
// 20 after its loss stalled and spiked, delivered epoch 16's model at
// 0.925 validation accuracy against the 0.70 majority share, and was
// warned of a plateau. A model at or near chance keeps the warning.
func plateauHandled(s *Signals, f *Finding) *Finding {
	if !s.Final || !strings.HasPrefix(s.Facts.StopReason, "early stopping") && s.restoredEval() == nil {
		return f
	}
	j, ok := s.judge()
	if !ok || !j.Above {
		return f
	}
	f.Severity = Info
	f.Title += " (handled: early stopping ended the run)"
	f.Evidence = append(f.Evidence, ev("fit.early_stopping stopped the run or restores its best epoch, and the model it delivers is clearly above chance: "+j.String()))
	return f
}
