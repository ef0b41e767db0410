package diagnose

import (
	"fmt"
	"math"

	"github.com/cnnscope/cnnscope/train"
)

// A learning rate too high for fine-tuning: the pre-trained weights
// change so much in the first epoch that what they had learned is gone.
// A fine-tune logs pretrained_change, ‖w − w₀‖/‖w₀‖ of the pre-trained
// layers' weights (train/finetune_drift.go). A warning when it reaches
// 0.5 after the first epoch in which they trained. (Our measurement: a
// basic-cnn trained on MNIST digits 0-4, fine-tuned whole on 900 images
// of digits 5-9 with Adam: 0.16 after epoch 1 at Keras' 1e-3, 0.99 at
// 1e-2; 0.05 in the first epoch of a second stage at 1e-4.)
const fineTuneChangeLimit = 0.5

func detectFineTuneLR(s *Signals) *Finding {
	change := s.series(train.LogPretrainedChange)
	first := -1
	for i, v := range change {
		if !math.IsNaN(v) && v > 0 {
			first = i
			break
		}
	}
	if first < 0 || change[first] < fineTuneChangeLimit {
		return nil
	}
	e := first + 1
	lr := s.Epochs[first]["lr"]
	f := &Finding{Severity: Warning, Epoch: e, Step: int(s.Epochs[first]["step"])}
	f.Title = fmt.Sprintf("The learning rate %s overwrites the pre-trained weights: they changed by %s in epoch %d", fmtLR(lr), pct(change[first]), e)
	f.Evidence = []Evidence{evm(train.LogPretrainedChange, change[first], fineTuneChangeLimit,
		"‖w − w₀‖/‖w₀‖ of the pre-trained layers after epoch %d: %.3g (learning rate %s)", e, change[first], fmtLR(lr))}
	f.Causes = []string{"the learning rate suits training from scratch, not fine-tuning: the first updates destroy the features the model brought"}
	low := fmtLR(lr / 10)
	f.Fixes = []string{
		fmt.Sprintf("lower compile.learning_rate to %s (--lr %s)", low, low),
		fmt.Sprintf("or train the new head first with the base frozen, then unfreeze at a lower rate: model.freeze: base, fit.fine_tune: {epoch: 2, learning_rate: %s} (--freeze base --unfreeze-at 2 --unfreeze-lr %s)", low, low),
	}
	return f
}
