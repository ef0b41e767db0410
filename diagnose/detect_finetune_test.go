package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// Transfer-learning detectors: inputs outside the pre-trained model's
// range, a frozen base that caps accuracy, BatchNormalization statistics
// drifting in a partly frozen model, a learning rate that overwrites the
// pre-trained weights. Measured values are in each detector's comment.

// freeze marks the basic CNN's layers up to index upTo frozen.
func freeze(s *Signals, upTo int) {
	off := false
	for i := range s.Model.Layers {
		s.Model.Layers[i].Trainable = nil
		if i <= upTo {
			s.Model.Layers[i].Trainable = &off
		}
	}
}

func TestDetectPretrainedInputRange(t *testing.T) {
	dir := t.TempDir()
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, &nn.Flatten{}, &nn.Dense{Units: 2})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	pp := &data.Preprocess{Rescale: 1.0 / 127.5, FeaturewiseCenter: true, Mean: []float32{1}} // -1..1
	if err := modelfile.Save(dir, m, []string{"a", "b"}, pp, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	s := healthySignals(t, 3)
	wantNone(t, "pretrained_input_range", s) // not a fine-tune
	s.Spec.Model = spec.Model{From: dir}
	f := wantFinding(t, "pretrained_input_range", s, Warning) // 0..1 fed to a -1..1 model
	if !strings.Contains(f.Title, "-1..1") || !strings.Contains(f.Fixes[0], "mean [1]") {
		t.Errorf("title %q, fixes %q", f.Title, f.Fixes)
	}
	s.Facts.Data.Input.Min, s.Facts.Data.Input.Max = 0, 255
	wantFinding(t, "pretrained_input_range", s, Warning)
	s.Facts.Data.Input.Min, s.Facts.Data.Input.Max = -1, 0.98
	wantNone(t, "pretrained_input_range", s)
	s.Spec.Model.From = dir + "/nonexistent" // says nothing: no finding
	s.Facts.Data.Input.Min, s.Facts.Data.Input.Max = 0, 255
	wantNone(t, "pretrained_input_range", s)
}

func TestDetectFrozenBaseCap(t *testing.T) {
	s := healthySignals(t, 5)
	setEpochs(s, "accuracy", 0.08, 0.17, 0.39, 0.49, 0.556) // measured, see the detector
	wantNone(t, "frozen_base_cap", s)                       // nothing frozen
	freeze(s, len(s.Model.Layers)-2)
	f := wantFinding(t, "frozen_base_cap", s, Warning)
	top := s.Model.Layers[len(s.Model.Layers)-2].Name
	if !strings.Contains(f.Fixes[0], "--unfreeze-from "+top) {
		t.Errorf("fix %q does not name the top block %s", f.Fixes[0], top)
	}
	// Only the first conv frozen: not a frozen base.
	freeze(s, 0)
	wantNone(t, "frozen_base_cap", s)
	freeze(s, len(s.Model.Layers)-2)
	// Still climbing fast, or high: no finding.
	setEpochs(s, "accuracy", 0.08, 0.17, 0.39, 0.49, 0.62)
	wantNone(t, "frozen_base_cap", s)
	setEpochs(s, "accuracy", 0.08, 0.17, 0.79, 0.85, 0.86)
	wantNone(t, "frozen_base_cap", s)
	// The second stage has begun.
	setEpochs(s, "accuracy", 0.08, 0.17, 0.39, 0.49, 0.556)
	s.Spec.Fit.FineTune = &spec.FineTune{Epoch: 3}
	wantNone(t, "frozen_base_cap", s)
	s.Spec.Fit.FineTune.Epoch = 5
	wantFinding(t, "frozen_base_cap", s, Warning)
}

func TestDetectBNDrift(t *testing.T) {
	s := healthySignals(t, 3)
	setEpochs(s, train.LogBNDrift, 0.24, 0.42, 0.55) // measured, see the detector
	setEpochs(s, "accuracy", 0.70, 0.95, 0.98)
	setEpochs(s, "val_accuracy", 0.8, 0.86, 0.86)
	wantNone(t, "batchnorm_drift", s) // nothing frozen
	freeze(s, 0)
	s.Model.Layers = append(s.Model.Layers, nn.LayerSpec{Type: "BatchNormalization", Name: "batch_normalization"})
	f := wantFinding(t, "batchnorm_drift", s, Warning)
	if !strings.Contains(f.Fixes[0], "--freeze batch_normalization") {
		t.Errorf("fixes %q", f.Fixes)
	}
	setEpochs(s, "val_accuracy", 0.8, 0.86, 0.95)
	wantFinding(t, "batchnorm_drift", s, Info)
	setEpochs(s, train.LogBNDrift, 0.24, 0.42, 0.45)
	wantNone(t, "batchnorm_drift", s)
}

func TestDetectFineTuneLR(t *testing.T) {
	s := healthySignals(t, 3)
	wantNone(t, "finetune_lr_too_high", s)                   // not logged: not a fine-tune
	setEpochs(s, train.LogPretrainedChange, 0.16, 0.2, 0.23) // Adam 1e-3, measured
	wantNone(t, "finetune_lr_too_high", s)
	setEpochs(s, train.LogPretrainedChange, 0.99, 1.08, 1.14) // Adam 1e-2, measured
	setEpochs(s, "lr", 0.01, 0.01, 0.01)
	f := wantFinding(t, "finetune_lr_too_high", s, Warning)
	if f.Epoch != 1 || !strings.Contains(f.Fixes[0], "--lr 0.001") {
		t.Errorf("epoch %d, fixes %q", f.Epoch, f.Fixes)
	}
	// A frozen first stage (0), then a second stage at a high rate.
	setEpochs(s, train.LogPretrainedChange, 0, 0, 0.7)
	if f := wantFinding(t, "finetune_lr_too_high", s, Warning); f.Epoch != 3 {
		t.Errorf("epoch %d, want 3 (the first that trained the base)", f.Epoch)
	}
	setEpochs(s, train.LogPretrainedChange, 0, 0, 0.05)
	wantNone(t, "finetune_lr_too_high", s)
}
