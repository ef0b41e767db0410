package diagnose

import (
	"fmt"

	"github.com/cnnscope/cnnscope/train"
)

// Early stopping with restore_best_weights (issue 10, fifth round): Keras
// puts back, when the fit ends, the weights of the epoch with the best
// monitored value, whether or not training stopped early; the model of
// the epochs after it is discarded. Overfitting that sets in after that
// epoch is what the callback is there to handle: the run delivers the
// model from before it. Such a finding is info; one that already holds at
// the restored epoch (judged on the epochs up to it) stays a warning.

// restoredEpoch is the 1-based epoch whose weights the run delivers under
// early_stopping.restore_best_weights, by the callback's rule on the
// epochs logged so far (ok false: no such callback, or no finite value
// of its monitored metric yet).
func (s *Signals) restoredEpoch() (int, bool) {
	if s.Spec == nil || s.Spec.Fit.EarlyStopping == nil || !s.Spec.Fit.EarlyStopping.RestoreBestWeights {
		return 0, false
	}
	es := s.Spec.Fit.EarlyStopping
	name := es.Monitor
	if name == "" {
		name = "val_loss"
	}
	v := s.series(name)
	up, _ := train.MonitorMaximizes(name, "auto") // the spec has no mode: always auto
	best := -1
	for e := max(es.StartFromEpoch, 0); e < len(v); e++ {
		if !finite(v[e]) {
			continue
		}
		d := max(es.MinDelta, -es.MinDelta)
		if best < 0 || up && v[e]-d > v[best] || !up && v[e]+d < v[best] {
			best = e
		}
	}
	return best + 1, best >= 0
}

// restoredBefore turns an overfitting warning into information when early
// stopping restores the weights of an epoch before the overfitting: the
// same rules on the epochs up to the restored one find no warning.
func restoredBefore(s *Signals, f *Finding) *Finding {
	b, ok := s.restoredEpoch()
	if !ok || b >= len(s.Epochs) {
		return f
	}
	t := *s
	t.Epochs = s.Epochs[:b]
	if g := overfitting(&t); g != nil && g.Severity != Info {
		return f
	}
	f.Severity = Info
	f.Title += fmt.Sprintf(" (handled: early stopping restores epoch %d's weights)", b)
	f.Evidence = append(f.Evidence, ev(fmt.Sprintf("fit.early_stopping.restore_best_weights puts back the weights of epoch %d, the best by its monitored metric; the same rules find no overfitting up to that epoch", b)))
	return f
}

// restoredEval is, at the end of a run whose early stopping restores an
// earlier epoch's weights, that epoch's validation pass (nil: none): the
// run delivers that model, not the last epoch's, so the model is judged
// on it. Seen on the seventh part: a healthy 70:20:10 pills run
// (ok-sev-pills-early-stop seed 1) spiked in its last epoch (validation
// 0.925 -> 0.75 of 40 images, not clearly above the 0.70 majority share)
// and was called inconclusive, while the restored epoch-16 model scored
// 0.925. Live, the last epoch is judged: nothing is restored yet.
func (s *Signals) restoredEval() *ValFacts {
	b, ok := s.restoredEpoch()
	if !s.Final || !ok || b >= len(s.Epochs) {
		return nil
	}
	for i := len(s.Facts.Val) - 1; i >= 0; i-- {
		if s.Facts.Val[i].Epoch == b {
			return &s.Facts.Val[i]
		}
	}
	return nil
}
