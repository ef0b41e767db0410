package diagnose

import "testing"

// Images misclassified the same way epoch after epoch that grow clearly
// fewer than in the earlier epochs after the model learned something
// (training accuracy a quarter of the way from chance to 1) are hard
// images the model is learning, not wrong labels: the stuck rule stays
// silent and the confident rule (every error is confident with two
// classes) gives information only. A share level with its past is noise,
// and so is one below the shares of epochs the model spent near chance.
func TestLabelNoiseFallingTrend(t *testing.T) {
	s := healthySignals(t, 8)
	valAt(s, 12, 0.45)
	setEpochs(s, "accuracy", 0.2, 0.3, 0.3, 0.45, 0.5, 0.55, 0.6, 0.65)
	nf := &NoiseFacts{Epochs: 8, Samples: 405, Stuck: 46, StuckByLabel: []int{5, 5, 5, 5, 4, 4, 4, 5, 5, 4},
		StuckConf: 0.6, CorrectConf: 0.65, StuckHistory: []float64{0, 0.165, 0.24, 0.168, 0.2, 0.104, 0.133, 0.114}}
	s.Facts.Noise = nf
	wantNone(t, "label_noise", s)
	nf.StuckHistory = []float64{0, 0.11, 0.12, 0.105, 0.114}
	wantFinding(t, "label_noise", s, Warning)

	// High shares while the model was near chance (training accuracy
	// 0.12-0.14 on 10 classes), then level: not a fall.
	s = healthySignals(t, 10)
	valAt(s, 12, 0.45)
	setEpochs(s, "accuracy", 0.12, 0.14, 0.14, 0.35, 0.36, 0.4, 0.45, 0.47, 0.45, 0.5)
	s.Facts.Noise = &NoiseFacts{Epochs: 10, Samples: 360, Stuck: 55, StuckByLabel: []int{6, 6, 5, 5, 6, 5, 6, 5, 6, 5},
		StuckConf: 0.55, CorrectConf: 0.59, StuckHistory: []float64{0, 0.27, 0.4, 0.16, 0.26, 0.13, 0.15, 0.16, 0.16, 0.15}}
	wantFinding(t, "label_noise", s, Warning)

	// Two classes, 15 of 225 confidently wrong (6.7%).
	s = healthySignals(t, 10)
	s.Classes = s.Classes[:2]
	s.Facts.Data.Classes, s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = s.Classes, []int{113, 112}, 113.0/112
	s.Facts.Init.Loss, s.Facts.Init.Expected = 0.7, 0.693
	setEpochs(s, "loss", 0.69, 0.68, 0.68, 0.66, 0.64, 0.6, 0.55, 0.5, 0.45, 0.4)
	setEpochs(s, "accuracy", 0.5, 0.56, 0.51, 0.62, 0.63, 0.7, 0.69, 0.77, 0.81, 0.81)
	nf = &NoiseFacts{Epochs: 10, Samples: 225, Suspects: 15, SuspectsByLabel: []int{9, 6}, Stuck: 23,
		StuckHistory: []float64{0, 0.4, 0.39, 0.19, 0.23, 0.19, 0.16, 0.12, 0.14, 0.10}}
	s.Facts.Noise = nf
	if f := detect(t, "label_noise", s); f == nil || f.Severity != Info {
		t.Errorf("falling: %+v", f)
	}
	// The same fall while the validation loss has risen from its lowest
	// for longer than gapEpochs: the model memorizes the wrong labels.
	setEpochs(s, "val_loss", 0.69, 0.68, 0.66, 0.65, 0.66, 0.68, 0.7, 0.73, 0.75, 0.8)
	wantFinding(t, "label_noise", s, Warning)
	setEpochs(s, "val_loss", 0.69, 0.68, 0.66, 0.65, 0.64, 0.62, 0.6, 0.58, 0.57, 0.58)
	if f := detect(t, "label_noise", s); f == nil || f.Severity != Info {
		t.Errorf("falling, validation loss lowest one epoch ago: %+v", f)
	}
	nf.StuckHistory = []float64{0, 0.1, 0.11, 0.1, 0.1, 0.1, 0.11, 0.1, 0.1, 0.10}
	wantFinding(t, "label_noise", s, Warning)
}
