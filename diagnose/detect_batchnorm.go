package diagnose

import (
	"fmt"
	"math"
	"strings"
)

// BatchNormalization-statistics thresholds. At each epoch end the probe
// (probes.go) runs one training batch with BatchNormalization in training
// mode (batch statistics) and in inference mode (moving statistics). The
// moving statistics lag when there were few steps for their momentum
// (Keras' 0.99 needs a few hundred steps to forget the initial 0 and 1):
// the model then scores well in training mode and poorly in inference
// mode on the very same images, which validation shows as overfitting or
// not learning. A warning when, at the latest probe, training-mode
// accuracy is at least 0.25 above inference-mode accuracy and the
// inference-mode loss at least 1.5 times the training-mode loss.
const (
	bnAccGap   = 0.25
	bnLossGrow = 1.5
)

func detectBatchNormStatistics(s *Signals) *Finding {
	n := len(s.Facts.BNProbe)
	if n == 0 {
		return bnSmallBatchFinding(s)
	}
	p := s.Facts.BNProbe[n-1]
	if p.TrainModeAcc-p.InferenceModeAcc < bnAccGap || p.InferenceLoss < bnLossGrow*p.TrainModeLoss {
		if g := bnSmallBatchFinding(s); g != nil {
			return g
		}
		return bnHeavyLagFinding(s)
	}
	if m, ok := bnCaughtUp(s, s.stepOfEpoch(p.Epoch)); ok {
		// The moving statistics forgot their start: a gap in a fast-moving
		// early model, not too few steps for the momentum (or, on small
		// batches, noisy batch statistics: the small-batch finding's).
		if g := bnSmallBatchFinding(s); g != nil {
			return g
		}
		if first, ok := bnStayingGap(s); ok {
			return bnStayingFinding(s, p, first, m)
		}
		return bnCaughtUpFinding(s, p, m)
	}
	f := &Finding{Severity: Warning, Epoch: p.Epoch, Step: s.stepOfEpoch(p.Epoch)}
	f.Title = fmt.Sprintf("BatchNormalization's moving statistics lag: accuracy %.2f in training mode, %.2f in inference mode on the same images",
		p.TrainModeAcc, p.InferenceModeAcc)
	f.Evidence = []Evidence{
		evm("bn_accuracy_gap", p.TrainModeAcc-p.InferenceModeAcc, bnAccGap, "epoch %d, %d training images: accuracy %.3f with batch statistics, %.3f with the moving statistics",
			p.Epoch, p.Samples, p.TrainModeAcc, p.InferenceModeAcc),
		evm("bn_loss_ratio", p.InferenceLoss/max(p.TrainModeLoss, 1e-9), bnLossGrow, "loss %.3g in training mode, %.3g in inference mode", p.TrainModeLoss, p.InferenceLoss),
		ev(fmt.Sprintf("%d optimizer steps so far", s.Steps())),
	}
	f.Causes = []string{"too few steps for BatchNormalization's momentum: its moving mean and variance have not caught up with the data"}
	f.Fixes = bnLagFixes(s)
	if bnGrowingGap(s) {
		bnGrowingCause(s, f)
	}
	return f
}

// A moving statistic keeps momentum^steps of its initial value (0 and 1).
// While the highest momentum's share is bnStartShare or more, the
// statistics lag for want of steps (0.99 after 114 steps keeps 0.32, the
// slowest of the lag faults; 0.999 after 36 keeps 0.96); below it they
// follow the last few batches, and a training/inference gap is that of
// a model whose weights move fast early in training, gone by the next
// epochs, and not helped by a lower momentum (issue 10, sixth round (d):
// a healthy 10-class run at momentum 0.9, batches of 64, a gap at its
// 44th step (0.9^44 = 0.01) and none at its end, 0.89).
const bnStartShare = 0.1

// bnCaughtUp reports whether the BatchNormalization layers' moving
// statistics had forgotten their initial values after steps (the rule
// above), with the highest momentum (an unset one is Keras' 0.99).
func bnCaughtUp(s *Signals, steps int) (float64, bool) {
	if s.Model == nil {
		return 0, false
	}
	m := -1.0
	for _, l := range s.Model.Layers {
		if strings.EqualFold(l.Type, "BatchNormalization") {
			mom := l.Momentum
			if mom == 0 {
				mom = 0.99
			}
			m = max(m, mom)
		}
	}
	if m <= 0 || steps <= 0 {
		return m, false
	}
	return m, math.Pow(m, float64(steps)) < bnStartShare
}

// bnCaughtUpFinding is the information for a training/inference gap
// whose moving statistics have caught up.
func bnCaughtUpFinding(s *Signals, p ProbeFacts, m float64) *Finding {
	f := &Finding{Severity: Info, Epoch: p.Epoch, Step: s.stepOfEpoch(p.Epoch)}
	f.Title = fmt.Sprintf("BatchNormalization gap: accuracy %.2f in training mode, %.2f in inference mode on the same images, with moving statistics that have caught up",
		p.TrainModeAcc, p.InferenceModeAcc)
	n := s.stepOfEpoch(p.Epoch)
	kept := math.Pow(m, float64(n))
	f.Evidence = []Evidence{evm("bn_start_share", kept, bnStartShare,
		"momentum %.3g after %d steps keeps %.2g of the initial statistics: they follow the latest batches; a model whose weights still move fast gives such a gap for a while", m, n, kept)}
	f.Causes = []string{"weights that change quickly early in training: the moving statistics trail them by a few steps"}
	f.Fixes = []string{"nothing yet: watch whether the gap stays at the next epochs"}
	return f
}

// presetOnly reports whether the spec names a preset model and no layers.
func presetOnly(s *Signals) bool {
	return s.Spec != nil && s.Spec.Model.Preset != "" && len(s.Spec.Model.Layers) == 0
}

// bnMomentumFix lowers the momentum of BatchNormalization layers above 0.9.
func bnMomentumFix(s *Signals) string {
	refs := bnHighMomentum(s)
	if len(refs) == 0 {
		return ""
	}
	if presetOnly(s) {
		// A preset's layers are not in the spec: say how to get them there.
		return fmt.Sprintf("lower the BatchNormalization momentum to 0.9 in %d layer(s): model.preset %s has no layers in your spec to edit; `%s` writes the preset out as layers with that change and trains it", len(refs), s.Spec.Model.Preset, runCmd(s, "doctor"))
	}
	return fmt.Sprintf("lower the momentum of %s to 0.9 (model.layers[i].momentum: 0.9)", joinNames(refs, 3))
}

// bnHighMomentum lists the BatchNormalization layers with momentum above
// 0.9 (Keras' default 0.99 included) as spec references.
func bnHighMomentum(s *Signals) []string {
	if s.Model == nil {
		return nil
	}
	var refs []string
	for i, l := range s.Model.Layers {
		if strings.EqualFold(l.Type, "BatchNormalization") && (l.Momentum == 0 || l.Momentum > 0.9) {
			refs = append(refs, fmt.Sprintf("model.layers[%d] (%s)", i, l.Name))
		}
	}
	return refs
}

// batchFix suggests doubling the batch size.
func batchFix(s *Signals) string {
	if s.Spec == nil || s.Spec.Fit.BatchSize <= 0 {
		return ""
	}
	b := 2 * s.Spec.Fit.BatchSize
	return fmt.Sprintf("use larger batches: fit.batch_size: %d (--batch %d)", b, b)
}
