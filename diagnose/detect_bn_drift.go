package diagnose

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/train"
)

// BatchNormalization statistics drifting in a partly frozen model: a
// fine-tune logs bn_drift, how far the trainable BatchNormalization
// layers' moving statistics have moved from the pre-trained ones (the
// mean shift in pre-trained standard deviations, or the relative change
// of the variance; train/finetune_drift.go). Over 0.5 the layers after
// the frozen ones normalize with statistics of small batches of the new
// data, not with those the frozen features were trained with: a warning
// when training accuracy is also 0.1 or more above validation accuracy,
// info otherwise. (Our measurement: a Conv-BN-Conv-BN net trained on
// MNIST digits 0-4, fine-tuned on 900 images of digits 5-9 with the first
// Conv frozen: bn_drift 0.24, 0.42, 0.55 in epochs 1-3, training accuracy
// 0.98 against validation 0.86; batches of 4: 0.83 after one epoch. With
// the whole base frozen, 0.)
const (
	bnDriftLimit = 0.5
	bnDriftGap   = 0.1
)

func detectBNDrift(s *Signals) *Finding {
	n := len(s.Epochs)
	if n == 0 || !partlyFrozen(s) {
		return nil
	}
	drift := s.series(train.LogBNDrift)[n-1]
	if math.IsNaN(drift) || drift <= bnDriftLimit {
		return nil
	}
	acc, vacc := s.series("accuracy")[n-1], s.series("val_accuracy")[n-1]
	f := &Finding{Severity: Info, Epoch: n, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("BatchNormalization statistics drift from the pre-trained ones (%.2f) in a partly frozen model", drift)
	f.Evidence = []Evidence{evm(train.LogBNDrift, drift, bnDriftLimit, "epoch %d: the moving statistics of the trainable BatchNormalization layers moved %.3g from the pre-trained values", n, drift)}
	if gap := acc - vacc; !math.IsNaN(gap) && gap >= bnDriftGap {
		f.Severity = Warning
		f.Evidence = append(f.Evidence, evm("accuracy_gap", gap, bnDriftGap, "training accuracy %.4f, validation accuracy %.4f", acc, vacc))
	}
	f.Causes = []string{"trainable BatchNormalization layers recompute their statistics from batches of the new data while the layers before them stay frozen"}
	f.Fixes = nonEmpty(freezeBNFix(s), batchFix(s))
	return f
}

// freezeBNFix freezes up to the last trainable BatchNormalization layer
// (Keras' advice: keep BatchNormalization in inference mode when
// fine-tuning).
func freezeBNFix(s *Signals) string {
	last := ""
	for _, l := range s.Model.Layers {
		if strings.EqualFold(l.Type, "BatchNormalization") && (l.Trainable == nil || *l.Trainable) {
			last = l.Name
		}
	}
	if last == "" {
		return ""
	}
	return fmt.Sprintf("keep BatchNormalization in inference mode: freeze up to %s (model.freeze: %s, --freeze %s), or unfreeze later with fit.fine_tune (BatchNormalization stays frozen there)", last, last, last)
}
