package diagnose

import (
	"testing"
	"time"
)

// Issue 10, sixth round: false alarms on healthy runs of a hard task (the
// fifth part's 4-class cracks, augmented signs), one synthetic case per
// class, shaped after the runs' histories (no training).

// Underfitting at warning level needs a plateau: a mediocre run whose
// training loss still falls 7-8% an epoch (cracks, 6 epochs, validation
// 0.60) or whose accuracy still rises clearly on pace (augmented signs,
// 8 epochs, 0.62) is information; a flat loss and accuracy are a warning.
func TestUnderfittingNeedsAPlateau(t *testing.T) {
	s := healthySignals(t, 5)
	s.Final = true
	setEpochs(s, "loss", 1.388, 1.386, 1.380, 1.311, 1.162)
	setEpochs(s, "accuracy", 0.248, 0.257, 0.273, 0.502, 0.539)
	setEpochs(s, "val_accuracy", 0.25, 0.25, 0.625, 0.583, 0.604)
	if f := detect(t, "underfitting", s); f == nil || f.Severity != Info || f.Evidence[1].Metric != "loss_rate" {
		t.Errorf("loss still falling: %+v", f)
	}
	// The loss flat, the accuracy rising 4.9 points an epoch over two,
	// clearly on 1,000 images and on pace for 0.7 within 5 epochs.
	setEpochs(s, "loss", 1.2, 1.18, 1.17, 1.16, 1.15)
	setEpochs(s, "accuracy", 0.4, 0.43, 0.48, 0.56, 0.578)
	if f := detect(t, "underfitting", s); f == nil || f.Severity != Info || f.Evidence[1].Metric != "accuracy_rise" {
		t.Errorf("accuracy still rising: %+v", f)
	}
	// Both flat: too small or too regularized.
	setEpochs(s, "accuracy", 0.5, 0.53, 0.55, 0.56, 0.565)
	wantFinding(t, "underfitting", s, Warning)
	// A rise too slow to reach 0.7 in as many epochs again is no reprieve.
	setEpochs(s, "accuracy", 0.3, 0.33, 0.36, 0.39, 0.42)
	wantFinding(t, "underfitting", s, Warning)
	// Live, a loss still at its start (ln 10, within 90%) is a slow start,
	// not a model that has learned what it can; at the end it is judged.
	s.Final, s.Live = false, true
	setEpochs(s, "loss", 2.3, 2.29, 2.27, 2.2, 2.15)
	wantNone(t, "underfitting", s)
	setEpochs(s, "loss", 2.3, 2.29, 2.0, 1.95, 1.93)
	wantFinding(t, "underfitting", s, Warning)
	s.Final = true
	setEpochs(s, "loss", 2.3, 2.29, 2.27, 2.2, 2.15)
	wantFinding(t, "underfitting", s, Warning)
}

// Gradients that grow a hundred times from a flat start while the loss
// falls are no explosion, even before the loss has fallen by a quarter; a
// flat or rising loss with the same growth is.
func TestExplodingNeedsLossDamage(t *testing.T) {
	s := healthySignals(t, 2)
	s.Records[0] = record(1, 1, 1.39, scaleGrads(healthyLayers(), 0.01))
	setLayers(s, func(int) []synthLayer { return scaleGrads(healthyLayers(), 10) })
	falling := func(st int) float64 { return 1.39 - 0.001*float64(st) } // 0.89 of its start at step 150
	setLoss(s, falling, flat(0.4))
	wantNone(t, "exploding_gradients", s)
	setLoss(s, flat(1.39), flat(0.25))
	wantFinding(t, "exploding_gradients", s, Warning)
	setLoss(s, func(st int) float64 { return 1.39 + 0.01*float64(st) }, flat(0.25))
	wantFinding(t, "exploding_gradients", s, Warning)
}

// Stuck images (the same other class two epochs running) are label noise
// only at a share clearly above 8% on the training images, and not while
// their share falls clearly from epoch to epoch (a model still learning
// its hard images).
func TestStuckNoiseNeedsAClearSteadyShare(t *testing.T) {
	s := healthySignals(t, 3)
	valAt(s, 12, 0.45)
	nf := &NoiseFacts{Epochs: 3, Samples: 1000, Stuck: 134, StuckByLabel: []int{14, 14, 14, 13, 13, 13, 13, 14, 13, 13},
		StuckConf: 0.4, CorrectConf: 0.42, StuckHistory: []float64{0, 0.28, 0.134}}
	s.Facts.Noise = nf
	wantNone(t, "label_noise", s)
	nf.StuckHistory = []float64{0, 0.13, 0.134}
	wantFinding(t, "label_noise", s, Warning)
	// 8.9% of 1,000 images: the 95% lower bound is 0.073.
	nf.Stuck, nf.StuckHistory = 89, []float64{0, 0.09, 0.089}
	wantNone(t, "label_noise", s)
}

// A rise of the validation loss that its 2-epoch means show for one epoch
// only is a blip of a small split (information); two epochs of a clear
// rise are a warning.
func TestOverfittingBlipOnSmallSplit(t *testing.T) {
	s := healthySignals(t, 8)
	valAt(s, 5, 0.65) // 50 validation images
	setEpochs(s, "loss", 2.24, 0.98, 0.75, 0.56, 0.44, 0.33, 0.26, 0.22)
	setEpochs(s, "accuracy", 0.44, 0.61, 0.69, 0.8, 0.84, 0.86, 0.89, 0.93)
	setEpochs(s, "val_loss", 2.69, 1.18, 0.86, 0.82, 1.21, 0.77, 0.88, 0.94)
	setEpochs(s, "val_accuracy", 0.25, 0.5, 0.67, 0.71, 0.54, 0.65, 0.67, 0.65)
	if f := detect(t, "overfitting", s); f == nil || f.Severity != Info {
		t.Errorf("blip: %+v", f)
	}
	setEpochs(s, "val_loss", 2.69, 1.18, 0.86, 0.82, 0.8, 0.77, 0.95, 1.1)
	wantFinding(t, "overfitting", s, Warning)
}

// BatchNormalization's small-batch finding is a warning in a run that
// does not learn, judged live by not_learning's standard: not after one
// epoch at chance, but after two and stuckEarly steps, and at the end.
func TestSmallBatchBatchNormWarningWaitsLikeNotLearning(t *testing.T) {
	s := withSpikes(t, 16)
	valAt(s, 12, 0.1)
	wantFinding(t, "batchnorm_statistics", s, Warning)
	s.Final, s.Live = false, true
	if f := detect(t, "batchnorm_statistics", prefix(s, 100)); f == nil || f.Severity != Info {
		t.Errorf("live, one epoch at chance: %+v", f)
	}
	wantFinding(t, "batchnorm_statistics", prefix(s, 200), Warning)
}

// The epoch-end probes run within their budget of the time trained, and
// always at the planned last epoch.
func TestProbesKeepToTheirBudget(t *testing.T) {
	m := &Monitor{evalSet: &evalSet{labels: [][]int32{make([]int32, 128), make([]int32, 128)}}}
	m.sig.Facts.PlannedEpochs = 10
	m.started = time.Now().Add(-10 * time.Second)
	m.probeSec = 0.5 // over 3% of 10 s
	if m.probeDue(2) {
		t.Error("0.5 s probes after 10 s: want skipped")
	}
	if !m.probeDue(10) {
		t.Error("the planned last epoch: want probed")
	}
	m.probeSec = 0.1
	if !m.probeDue(2) {
		t.Error("0.1 s probes after 10 s: want probed")
	}
	// Before any probe, the cost is estimated from the step time: 256
	// images at batch 32 are 8 steps' forward passes, 8 x 0.1 s / 3.
	m.probeSec, m.stepSec = 0, 0.1
	if !m.probeDue(1) {
		t.Error("0.27 s expected after 10 s: want probed")
	}
	m.started = time.Now().Add(-5 * time.Second)
	if m.probeDue(1) {
		t.Error("0.27 s expected after 5 s: want skipped")
	}
}

// A rise of the validation loss's 2-epoch means within twice its median
// change from epoch to epoch since its lowest is the swing of a small
// split (information) while the accuracy gap is within the noise too; a
// steady rise, or a gap no split's noise makes, is a warning.
func TestOverfittingRiseWithinSwing(t *testing.T) {
	s := healthySignals(t, 8)
	valAt(s, 3, 0.83) // 30 validation images
	for k := range s.Facts.Data.TrainCounts {
		s.Facts.Data.TrainCounts[k] = 27
	}
	setEpochs(s, "loss", 1.34, 0.73, 0.34, 0.146, 0.099, 0.093, 0.09, 0.088)
	setEpochs(s, "accuracy", 0.44, 0.65, 0.89, 0.94, 0.96, 0.963, 0.963, 0.963)
	setEpochs(s, "val_loss", 0.974, 0.64, 0.344, 0.261, 0.374, 0.293, 0.36, 0.30)
	setEpochs(s, "val_accuracy", 0.43, 0.83, 0.87, 0.83, 0.87, 0.83, 0.87, 0.83)
	if f := detect(t, "overfitting", s); f == nil || f.Severity != Info {
		t.Errorf("swing: %+v", f)
	}
	setEpochs(s, "val_loss", 0.974, 0.64, 0.344, 0.261, 0.30, 0.34, 0.38, 0.42)
	wantFinding(t, "overfitting", s, Warning)
	setEpochs(s, "val_loss", 0.974, 0.64, 0.344, 0.261, 0.374, 0.293, 0.36, 0.30)
	valAt(s, 3, 0.6)
	wantFinding(t, "overfitting", s, Warning)
}
