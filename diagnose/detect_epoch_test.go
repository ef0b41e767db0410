package diagnose

import (
	"strings"
	"testing"
)

// Detectors of the epochs and the validation passes: overfitting,
// underfitting, loss plateau, validation above training, majority-class
// bias, label noise.

func TestDetectOverfitting(t *testing.T) {
	s := healthySignals(t, 5)
	wantNone(t, "overfitting", s)
	setEpochs(s, "loss", 0.5, 0.2, 0.1, 0.05, 0.02)
	setEpochs(s, "accuracy", 0.85, 0.94, 0.97, 0.99, 0.995)
	setEpochs(s, "val_loss", 0.3, 0.25, 0.28, 0.33, 0.4)
	setEpochs(s, "val_accuracy", 0.9, 0.92, 0.92, 0.91, 0.9)
	f := wantFinding(t, "overfitting", s, Warning)
	if f.Since != 3 || !strings.Contains(f.Title, "since epoch 3") {
		t.Errorf("since %d, title %q", f.Since, f.Title)
	}
	// Two epochs of rise are needed.
	wantNone(t, "overfitting", prefix(s, 300))
	// A noisy 200-image validation split (measured: MNIST, 2,000 images,
	// epochs 3-7): no warning.
	n := healthySignals(t, 5)
	setEpochs(n, "loss", 0.22, 0.16, 0.11, 0.083, 0.065)
	setEpochs(n, "accuracy", 0.929, 0.956, 0.971, 0.972, 0.977)
	setEpochs(n, "val_loss", 0.234, 0.224, 0.159, 0.226, 0.206)
	setEpochs(n, "val_accuracy", 0.925, 0.92, 0.935, 0.945, 0.94)
	wantFinding(t, "overfitting", n, Info)
	// A mild rise with a small gap is info.
	setEpochs(s, "val_loss", 0.3, 0.25, 0.262, 0.27, 0.28)
	setEpochs(s, "val_accuracy", 0.9, 0.93, 0.96, 0.97, 0.975)
	wantFinding(t, "overfitting", s, Info)
}

func TestDetectUnderfitting(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "underfitting", s)
	setEpochs(s, "accuracy", 0.3, 0.38, 0.41)
	setEpochs(s, "val_accuracy", 0.32, 0.4, 0.41)
	setEpochs(s, "loss", 1.7, 1.62, 1.58)
	wantFinding(t, "underfitting", s, Warning)
	// Still climbing fast (vgg-small on 1,350 MNIST images, measured):
	// info, train longer.
	setEpochs(s, "loss", 2.3, 2.3, 1.11)
	if f := wantFinding(t, "underfitting", s, Info); !strings.Contains(f.Fixes[0], "train longer") {
		t.Errorf("fixes %v", f.Fixes)
	}
	setEpochs(s, "loss", 1.7, 1.62, 1.58)
	// The loss falls slowly but the accuracy still gains 12 points an
	// epoch, on pace for 0.7 within 3 more: info too.
	setEpochs(s, "accuracy", 0.3, 0.38, 0.5)
	wantFinding(t, "underfitting", s, Info)
	// 6 points an epoch at 0.2 (a 2-unit bottleneck on MNIST): 8 epochs
	// from 0.7, underfitting.
	setEpochs(s, "accuracy", 0.09, 0.14, 0.2)
	setEpochs(s, "val_accuracy", 0.1, 0.15, 0.21)
	wantFinding(t, "underfitting", s, Warning)
	setEpochs(s, "val_accuracy", 0.32, 0.4, 0.41)
	setEpochs(s, "accuracy", 0.3, 0.38, 0.41)
	// At chance it is not_learning's.
	setEpochs(s, "accuracy", 0.1, 0.1, 0.11)
	setEpochs(s, "val_accuracy", 0.1, 0.1, 0.11)
	wantNone(t, "underfitting", s)
	// Judged only after 30% of the planned epochs.
	s = healthySignals(t, 2)
	s.Facts.PlannedEpochs = 10
	setEpochs(s, "accuracy", 0.3, 0.4)
	setEpochs(s, "val_accuracy", 0.3, 0.4)
	wantNone(t, "underfitting", s)
}

func TestDetectLossPlateau(t *testing.T) {
	s := healthySignals(t, 5)
	wantNone(t, "loss_plateau", s)
	setEpochs(s, "loss", 1.5, 1.0, 0.995, 0.992, 0.991)
	setEpochs(s, "accuracy", 0.6, 0.72, 0.73, 0.73, 0.73)
	if f := wantFinding(t, "loss_plateau", s, Warning); f.Since != 3 {
		t.Errorf("since %d", f.Since)
	}
	// A loss that zigzags to new lows, or jumps at the end after a new
	// low, is no plateau; a zigzag without a new low is.
	s = healthySignals(t, 6)
	setEpochs(s, "accuracy", 0.8, 0.85, 0.9, 0.92, 0.9, 0.95)
	setEpochs(s, "loss", 1.0, 0.8, 0.70, 0.75, 0.62, 0.72)
	wantNone(t, "loss_plateau", s)
	setEpochs(s, "loss", 1.0, 0.8, 0.60, 0.75, 0.62, 0.72)
	wantFinding(t, "loss_plateau", s, Warning)
	setEpochs(s, "loss", 1.0, 0.8, 0.55, 0.48, 0.60, 0.62)
	wantNone(t, "loss_plateau", s)
}

func TestDetectValAboveTrain(t *testing.T) {
	s := healthySignals(t, 4)
	wantNone(t, "val_above_train", s)
	setEpochs(s, "val_accuracy", 0.99, 0.99, 0.99, 0.99)
	setLoss(s, flat(0.5), flat(0.8))
	// Still climbing (the loss fell 20% in the last epoch): info.
	setEpochs(s, "loss", 1, 0.7, 0.6, 0.48)
	setEpochs(s, "accuracy", 0.6, 0.75, 0.8, 0.8)
	wantFinding(t, "val_above_train", s, Info)
	setEpochs(s, "loss", 1, 0.7, 0.5, 0.49)
	wantFinding(t, "val_above_train", s, Warning)
	// A gap within two standard errors of the split's sampling noise is none.
	setEpochs(s, "val_accuracy", 0.9, 0.9, 0.9, 0.9)
	s.Facts.Data.ValCounts = []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}
	wantNone(t, "val_above_train", s)
	s.Facts.Data.ValCounts = []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}
	wantFinding(t, "val_above_train", s, Warning)
	// Expected with dropout: info.
	s.Model.Layers = append(s.Model.Layers[:6], append([]nnLayerSpec{{Type: "Dropout", Name: "dropout", Rate: 0.5}}, s.Model.Layers[6:]...)...)
	wantFinding(t, "val_above_train", s, Info)
}

func TestDetectMajorityClassBias(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "majority_class_bias", s)
	// 19:1 imbalance, predictions all going to the big class.
	s.Facts.Data.TrainCounts = []int{950, 50}
	s.Facts.Data.Imbalance = 19
	s.Classes = []string{"ok", "defect"}
	v := ValFacts{Epoch: 3, Support: []int{95, 5}, Pred: []int{100, 0}, Correct: []int{95, 0}}
	s.Facts.Val = []ValFacts{v}
	f := wantFinding(t, "majority_class_bias", s, Critical)
	if f.Fixes[0] != balancedFix {
		t.Errorf("fix %q", f.Fixes[0])
	}
	// Leaning toward the big class, minority recall 0.2: warning.
	s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = []int{800, 200}, 4
	s.Facts.Val = []ValFacts{{Epoch: 3, Support: []int{80, 20}, Pred: []int{96, 4}, Correct: []int{80, 4}}}
	wantFinding(t, "majority_class_bias", s, Warning)
	// Imbalanced but handled: info only.
	s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = []int{950, 50}, 19
	s.Facts.Val = []ValFacts{{Epoch: 3, Support: []int{95, 5}, Pred: []int{95, 5}, Correct: []int{95, 5}}}
	wantFinding(t, "majority_class_bias", s, Info)
	s.Facts.Data.Weighted = true
	wantNone(t, "majority_class_bias", s)
}

func TestDetectLabelNoise(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "label_noise", s)
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 1000, Suspects: 180,
		Worst: []Suspect{{Index: 7, Source: "cats/007.png", Label: "cat", Predicted: "dog", Loss: 6.1, Confidence: 0.98}}}
	f := wantFinding(t, "label_noise", s, Warning)
	if !strings.Contains(f.Evidence[1].Text, "cats/007.png") {
		t.Errorf("worst files not listed: %v", f.Evidence)
	}
	// 6 of 120 images (5%) on a tiny run: too few to warn.
	nf := *s.Facts.Noise
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 120, Suspects: 6}
	wantFinding(t, "label_noise", s, Info)
	s.Facts.Noise = &nf
	// Predictions collapsed onto the majority class of a 11.5:1 set (only
	// 8 points over its share): the misclassified minority images are
	// majority_class_bias' evidence, not wrong labels.
	s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = []int{920, 80}, 11.5
	s.Facts.Val = []ValFacts{{Epoch: 3, Support: []int{92, 8}, Pred: []int{100, 0}, Correct: []int{92, 0}}}
	wantNone(t, "label_noise", s)
	s.Facts.Val = []ValFacts{{Epoch: 3, Support: []int{92, 8}, Pred: []int{92, 8}, Correct: []int{92, 8}}}
	wantFinding(t, "label_noise", s, Warning)
	// A broken model is confidently wrong everywhere: not noise.
	s.Facts.Init.Loss = 16
	wantNone(t, "label_noise", s)
}

// TestValAboveTrainWeighsTheLastBatch: an epoch that ends with a batch of
// 2 images (3,170 training images in batches of 32) whose accuracy is 0
// is two images of evidence, not a batch's: no finding.
func TestValAboveTrainWeighsTheLastBatch(t *testing.T) {
	s := healthySignals(t, 4)
	s.Facts.Data.TrainCounts = []int{317, 317, 317, 317, 317, 317, 317, 317, 317, 317}
	s.Facts.Data.ValCounts = []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}
	setEpochs(s, "loss", 0.5, 0.5, 0.5, 0.5)
	setEpochs(s, "accuracy", 0.95, 0.95, 0.95, 0.95)
	setEpochs(s, "val_accuracy", 0.97, 0.97, 0.97, 0.97)
	setLoss(s, flat(0.5), func(step int) float64 {
		if step%synthSPE == 0 {
			return 0
		}
		return 0.95
	})
	wantNone(t, "val_above_train", s)
	// Full last batches at that accuracy are a real gap.
	s.Facts.Data.TrainCounts = []int{320, 320, 320, 320, 320, 320, 320, 320, 320, 320}
	setLoss(s, flat(0.5), func(step int) float64 {
		if step%synthSPE > synthSPE-5 || step%synthSPE == 0 {
			return 0.5
		}
		return 0.95
	})
	wantFinding(t, "val_above_train", s, Warning)
}
