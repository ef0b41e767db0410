package diagnose

import (
	"fmt"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
)

// A frozen base that caps training accuracy (a fine-tune whose frozen
// layers hold at least half of the layers with weights): after at least
// 2 epochs and 30% of the planned ones, with no second stage begun,
// training accuracy is below 0.8 and rose by less than 0.1 in the last
// epoch. The frozen features do not separate the new classes and the
// trainable head alone cannot make up for it. (Our measurement: a
// basic-cnn trained on MNIST digits 0-4, its base frozen, a new head on
// 900 images of digits 5-9: training accuracy 0.39, 0.49, 0.56 in epochs
// 3-5; the same model trained whole: 0.94, 0.94, 0.97.) The fix names
// the top block: the last frozen layer with weights.
const (
	frozenCapAccuracy = 0.8
	frozenCapGain     = 0.1
	frozenShare       = 0.5
)

func detectFrozenBaseCap(s *Signals) *Finding {
	n := len(s.Epochs)
	if s.Model == nil || n < 2 || float64(n) < underfitJudgment*float64(s.Facts.PlannedEpochs) {
		return nil
	}
	if ft := fineTuneOf(s); ft != nil && n > ft.Epoch {
		return nil // the second stage has begun: the base is no longer frozen
	}
	frozen, weighted := frozenWeighted(s.Model)
	if len(frozen) == 0 || float64(len(frozen)) < frozenShare*float64(weighted) {
		return nil
	}
	acc := s.series("accuracy")
	gain := acc[n-1] - acc[n-2]
	if acc[n-1] >= frozenCapAccuracy || gain >= frozenCapGain {
		return nil
	}
	top := frozen[len(frozen)-1]
	f := &Finding{Severity: Warning, Epoch: n, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("The frozen base caps training accuracy at %.3f: %d of %d layers with weights are frozen", acc[n-1], len(frozen), weighted)
	f.Evidence = []Evidence{
		evm("accuracy", acc[n-1], frozenCapAccuracy, "training accuracy %.4f at epoch %d, %+.4f in the last epoch", acc[n-1], n, gain),
		ev("frozen layers with weights: " + joinNames(frozen, 4)),
	}
	f.Causes = []string{"the pre-trained features do not separate the new classes, and only the layers after them can learn"}
	f.Fixes = []string{
		fmt.Sprintf("unfreeze the top block from %s after %d epochs and train %d more: fit.epochs: %d, fit.fine_tune: {epoch: %d, unfreeze_from: %s} (--epochs %d --unfreeze-at %d --unfreeze-from %s)",
			top, n, n, 2*n, n, top, 2*n, n, top),
		fmt.Sprintf("freeze less: model.freeze up to the layer before %s (--freeze)", top),
	}
	return f
}

// frozenWeighted lists the frozen layers that have weights (by type) and
// counts all layers with weights.
func frozenWeighted(ms *nn.ModelSpec) (frozen []string, weighted int) {
	for _, l := range ms.Layers {
		t := strings.ToLower(l.Type)
		if !strings.Contains(t, "conv") && !strings.Contains(t, "dense") {
			continue
		}
		weighted++
		if l.Trainable != nil && !*l.Trainable {
			frozen = append(frozen, l.Name)
		}
	}
	return frozen, weighted
}
