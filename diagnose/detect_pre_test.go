package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
)

// Detectors of the checks before training: inputs, initial loss, output
// activation against the loss, dropout, leakage, the sanity check.

func TestDetectUnnormalizedInputs(t *testing.T) {
	s := healthySignals(t, 1)
	wantNone(t, "unnormalized_inputs", s)
	s.Facts.Data.Input = &InputStats{Batches: 4, Max: 255, Mean: 33, Std: 78}
	f := wantFinding(t, "unnormalized_inputs", s, Warning)
	if f.Fixes[0] != rescaleFix {
		t.Errorf("fix %q", f.Fixes[0])
	}
	s.Facts.Data.Input = &InputStats{Batches: 4, Max: 1.0 / 255, Mean: 0.0005, Std: 0.001}
	wantFinding(t, "unnormalized_inputs", s, Warning)
	s.Facts.Data.Input = &InputStats{Batches: 4, Min: 0.5, Max: 0.5, Mean: 0.5}
	wantFinding(t, "unnormalized_inputs", s, Critical)
	s.Facts.Data.Input = &InputStats{Batches: 4, Max: 1, Mean: 0.1, Std: 0.3, NonFinite: 12}
	if f := wantFinding(t, "unnormalized_inputs", s, Critical); !strings.Contains(f.Title, "NaN") {
		t.Errorf("title %q", f.Title)
	}
	// From the settings alone (an unmonitored run).
	s.Facts.Data = nil
	s.Spec.Data.Preprocessing = &data.Preprocess{Rescale: 1}
	wantFinding(t, "unnormalized_inputs", s, Warning)
	s.Spec.Data.Preprocessing = &data.Preprocess{FeaturewiseCenter: true, FeaturewiseStdNormalization: true}
	wantNone(t, "unnormalized_inputs", s)
}

func TestDetectInitialLoss(t *testing.T) {
	s := healthySignals(t, 1)
	wantNone(t, "initial_loss", s)
	s.Facts.Init.Loss = 16
	s.Model.Layers[0].KernelInitializer = "ones"
	f := wantFinding(t, "initial_loss", s, Warning)
	if !strings.Contains(f.Causes[0], "conv2d: ones") {
		t.Errorf("causes %v", f.Causes)
	}
	s.Facts.Init.Loss = 0.7
	if f := wantFinding(t, "initial_loss", s, Warning); !strings.Contains(f.Causes[0], "sigmoid") {
		t.Errorf("causes %v", f.Causes)
	}
	// A he_normal head over scaled inputs (resnet-20 starts at 3.7-5.9 for
	// ln 10): the model's own output scale, info; far above it, a warning.
	s.Model.Layers[0].KernelInitializer = ""
	s.Model.Layers[len(s.Model.Layers)-1].KernelInitializer = "he_normal"
	s.Facts.Init.Loss = 5.9
	if f := wantFinding(t, "initial_loss", s, Info); !strings.Contains(f.Evidence[1].Text, "he_normal") {
		t.Errorf("evidence %v", f.Evidence)
	}
	s.Facts.Init.Loss = 16
	wantFinding(t, "initial_loss", s, Warning)
}

func TestDetectOutputLossMismatch(t *testing.T) {
	s := healthySignals(t, 1)
	wantNone(t, "output_loss_mismatch", s)
	last := &s.Model.Layers[len(s.Model.Layers)-1]
	last.Activation = ""
	f := wantFinding(t, "output_loss_mismatch", s, Critical)
	if f.Fixes[0] != "set model.layers[7] (dense_1).activation: softmax" {
		t.Errorf("fix %q", f.Fixes[0])
	}
	last.Activation = "sigmoid"
	wantFinding(t, "output_loss_mismatch", s, Warning)
	s.Spec.Compile.Loss = "binary_crossentropy"
	wantNone(t, "output_loss_mismatch", s)
	last.Activation = "softmax"
	wantFinding(t, "output_loss_mismatch", s, Warning)
}

func TestDetectHighDropout(t *testing.T) {
	s := healthySignals(t, 1)
	wantNone(t, "high_dropout", s)
	s.Model.Layers = append(s.Model.Layers[:6], append([]nnLayerSpec{{Type: "Dropout", Name: "dropout", Rate: 0.8}}, s.Model.Layers[6:]...)...)
	f := wantFinding(t, "high_dropout", s, Warning)
	if !strings.Contains(f.Fixes[0], "model.layers[6] (dropout).rate") {
		t.Errorf("fix %q", f.Fixes[0])
	}
}

func TestDetectLeakage(t *testing.T) {
	s := healthySignals(t, 1)
	wantNone(t, "leakage", s)
	s.Facts.Data.Dup = &DupFacts{Val: 600, NearVal: 6, Test: 10000, NearTest: 20} // MNIST itself
	wantNone(t, "leakage", s)
	s.Facts.Data.Dup.ExactVal = 150
	s.Facts.Data.Dup.Examples = []string{"exact copy: a.png (train) = b.png (validation)"}
	f := wantFinding(t, "leakage", s, Warning)
	if !strings.Contains(f.Title, "26.0%") || len(f.Evidence) != 2 {
		t.Errorf("title %q evidence %v", f.Title, f.Evidence)
	}
	s.Facts.Data.Dup.ExactVal = 2
	wantFinding(t, "leakage", s, Info)
}

func TestDetectSanityFailed(t *testing.T) {
	s := healthySignals(t, 1)
	s.Facts.Sanity = &SanityFacts{Samples: 32, Steps: 61, MaxSteps: 200, InitialLoss: 2.3, FinalLoss: 0.1, Accuracy: 1}
	wantNone(t, "sanity_failed", s)
	s.Facts.Sanity.FinalLoss, s.Facts.Sanity.Steps, s.Facts.Sanity.Accuracy = 0.9, 200, 0.7
	wantFinding(t, "sanity_failed", s, Warning)
	s.Facts.Sanity.FinalLoss = 2.2
	wantFinding(t, "sanity_failed", s, Critical)
}
