package diagnose

import (
	"fmt"
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
		return bnSmallBatchFinding(s)
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
	f.Fixes = nonEmpty(bnMomentumFix(s), epochsFix(s, 2), batchFix(s))
	if presetOnly(s) {
		// The spec has no layers to edit: lead with what applies to it.
		f.Fixes = nonEmpty(epochsFix(s, 2), batchFix(s), bnMomentumFix(s))
	}
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
		return fmt.Sprintf("or lower the BatchNormalization momentum to 0.9 in %d layer(s): model.preset %s has no layers in your spec to edit; `cnnscope doctor RUN_DIR` writes the preset out as layers with that change and trains it", len(refs), s.Spec.Model.Preset)
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
