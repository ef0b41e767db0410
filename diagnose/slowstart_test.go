package diagnose

import (
	"testing"

	"github.com/cnnscope/cnnscope/nn"
)

// Issue 10, sixth round (d): the sixth part's false alarms on healthy
// runs (seen), one synthetic case per class, shaped after the runs'
// histories (no training).

// Live, an evaluation at the largest class's share is no "not learning"
// while the training loss is clearly under a constant prediction's and
// the validation loss not above one's (a slow start); a validation loss
// above the constant's (memorization), a training loss at it, or the end
// of the run is judged as before.
func TestLiveAtChanceWaitsOutASlowStart(t *testing.T) {
	collapsed := val8515(60, 51, 0)
	s := weighted8515(t, false, nil, collapsed, collapsed, collapsed)
	s.Live = true
	// The constant predictions: 255:45 and 51:9 are both 0.423.
	setEpochs(s, "loss", 0.44, 0.425, 0.39)
	setEpochs(s, "val_loss", 0.43, 0.425, 0.415)
	if f := detect(t, "not_learning", s); f != nil {
		t.Errorf("slow start: %s %s", f.Severity, f.Title)
	}
	if _, ok := slowStart(s); !ok {
		t.Error("slow start: no evidence")
	}
	setEpochs(s, "val_loss", 0.43, 0.44, 0.47)
	wantFinding(t, "not_learning", s, Critical)
	setEpochs(s, "val_loss", 0.43, 0.425, 0.415)
	setEpochs(s, "loss", 0.44, 0.43, 0.42)
	wantFinding(t, "not_learning", s, Critical)
	setEpochs(s, "loss", 0.44, 0.425, 0.39)
	s.Final = true
	wantFinding(t, "not_learning", s, Critical)
}

// A relapse of the training loss that stays under where the loss started
// is a warning (progress damaged); back above the start, critical.
func TestRelapseUnderItsStartIsAWarning(t *testing.T) {
	s := healthySignals(t, 3)
	relapse := func(peak float64) func(int) float64 {
		return func(st int) float64 {
			switch {
			case st <= 150:
				return 2.3 - 2.0*float64(st)/150
			case st <= 200:
				return 0.3 + (peak-0.3)*float64(st-150)/50
			}
			return peak
		}
	}
	setLoss(s, relapse(1.6), flat(0.5))
	wantFinding(t, "divergence", s, Warning)
	// The same relapse with the model left at chance.
	valAt(s, 100, 0.1)
	wantFinding(t, "divergence", s, Critical)
	valAt(s, 100, 0.6)
	setLoss(s, relapse(3), flat(0.2))
	wantFinding(t, "divergence", s, Critical)
}

// A validation loss whose 2-epoch means stay above their lowest for
// gapEpochs epochs or more is overfitting (the sixth part's 40-image
// two-branch run, epochs 17-30), not a blip, however small the rise.
func TestOverfittingRiseHeldIsNoBlip(t *testing.T) {
	s := healthySignals(t, 14)
	valAt(s, 8, 0.45) // 40 validation images
	setEpochs(s, "loss", 1.06, 1.01, 0.90, 0.91, 0.81, 0.83, 0.76, 0.70, 0.73, 0.60, 0.61, 0.58, 0.55, 0.52)
	setEpochs(s, "accuracy", 0.63, 0.7, 0.78, 0.7, 0.75, 0.65, 0.73, 0.8, 0.68, 0.85, 0.8, 0.83, 0.83, 0.85)
	setEpochs(s, "val_loss", 1.357, 1.272, 1.340, 1.298, 1.330, 1.292, 1.186, 1.262, 1.217, 1.287, 1.299, 1.349, 1.254, 1.293)
	setEpochs(s, "val_accuracy", 0.45, 0.53, 0.45, 0.45, 0.55, 0.55, 0.6, 0.43, 0.58, 0.6, 0.53, 0.48, 0.53, 0.45)
	wantFinding(t, "overfitting", s, Warning)
}

// A training/inference gap of BatchNormalization whose moving statistics
// have forgotten their start (momentum 0.9 after 200 steps keeps 0.9^200)
// is information; at Keras' 0.99 (0.13 kept) it is the lag warning.
func TestBatchNormGapWithCaughtUpStatisticsIsInfo(t *testing.T) {
	s := healthySignals(t, 2)
	s.Facts.BNProbe = []ProbeFacts{{Epoch: 2, Samples: 64, TrainModeAcc: 0.7, InferenceModeAcc: 0.3, TrainModeLoss: 0.9, InferenceLoss: 2.1}}
	s.Model.Layers = append(s.Model.Layers, nn.LayerSpec{Type: "BatchNormalization", Name: "batch_normalization", Momentum: 0.9})
	if f := detect(t, "batchnorm_statistics", s); f == nil || f.Severity != Info {
		t.Errorf("momentum 0.9 after 200 steps: %+v", f)
	}
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0
	wantFinding(t, "batchnorm_statistics", s, Warning)
}

// In a two-class set, confidently misclassified images that all carry the
// smaller class's label are a class not learned yet, not wrong labels
// (flipped labels would be spread by the other class's share).
func TestTwoClassSuspectsOfOneSmallClassAreNotNoise(t *testing.T) {
	s := weighted8515(t, false, nil, val8515(50, 48, 7), val8515(50, 48, 7), val8515(50, 48, 7))
	d := s.Facts.Data
	d.TrainCounts, d.Imbalance = []int{162, 108}, 1.5
	setEpochs(s, "loss", 0.6, 0.45, 0.4)
	setEpochs(s, "accuracy", 0.65, 0.78, 0.81)
	s.Facts.Init = nil
	setLoss(s, func(st int) float64 { return 0.69 - 0.001*float64(st) }, flat(0.75))
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 270, Suspects: 21, SuspectsByLabel: []int{0, 21}}
	wantNone(t, "label_noise", s)
	// Spread as flipped labels would be (60% under the smaller class).
	s.Facts.Noise.SuspectsByLabel = []int{8, 13}
	wantFinding(t, "label_noise", s, Warning)
}

// Live, a majority-class collapse on validation waits while the losses
// show a slow start (the model's outputs already depend on the image);
// a validation loss above a constant prediction's, a training loss at
// the prior's entropy, or the end of the run is judged as before.
func TestLiveMajorityBiasWaitsOutASlowStart(t *testing.T) {
	collapsed := val8515(60, 51, 0)
	s := weighted8515(t, false, nil, collapsed, collapsed, collapsed)
	s.Live = true
	setEpochs(s, "loss", 0.44, 0.425, 0.39)
	setEpochs(s, "val_loss", 0.43, 0.425, 0.415)
	if f := detect(t, "majority_class_bias", s); f != nil && f.Severity != Info {
		t.Errorf("slow start: %s %s", f.Severity, f.Title)
	}
	setEpochs(s, "val_loss", 0.43, 0.44, 0.47)
	wantFinding(t, "majority_class_bias", s, Critical)
	setEpochs(s, "val_loss", 0.43, 0.425, 0.415)
	setEpochs(s, "loss", 0.44, 0.43, 0.42)
	wantFinding(t, "majority_class_bias", s, Critical)
	setEpochs(s, "loss", 0.44, 0.425, 0.39)
	s.Final = true
	wantFinding(t, "majority_class_bias", s, Critical)
}
