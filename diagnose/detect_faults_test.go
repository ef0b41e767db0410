package diagnose

import (
	"math"
	"strings"
	"testing"
)

// Detectors added or changed after the fault-injection evaluation
// (diagnose/faults): bad initialization, memorization, vanishing gradients
// in a stuck run, SGD's effective learning rate.

func TestDetectBadInitialization(t *testing.T) {
	s := healthySignals(t, 2)
	wantNone(t, "bad_initialization", s)
	spread := 0.02
	s.Facts.Init.OutputSpread = &spread
	wantNone(t, "bad_initialization", s)
	// The setting alone.
	s.Model.Layers[0].KernelInitializer = "ones"
	f := wantFinding(t, "bad_initialization", s, Warning)
	if f.Layer != "conv2d" || !strings.Contains(f.Title, "ones") {
		t.Errorf("layer %q title %q", f.Layer, f.Title)
	}
	// Before step 1: every image gets the same output.
	s = healthySignals(t, 2)
	same := 0.0
	s.Facts.Init.OutputSpread = &same
	wantFinding(t, "bad_initialization", s, Warning)
	// In a fine-tune the weights were loaded: the finding names model.from.
	s.Spec.Model.From = "runs/pre"
	if f := wantFinding(t, "bad_initialization", s, Warning); !strings.Contains(f.Causes[0], "runs/pre") || strings.Contains(strings.Join(f.Fixes, " "), "initializer") {
		t.Errorf("fine-tune: causes %q fixes %q", f.Causes, f.Fixes)
	}
	s.Spec.Model.From = ""
	// ... unless the inputs are all the same or unscaled (unnormalized_inputs' cases).
	s.Facts.Data.Input.Std = 0
	wantNone(t, "bad_initialization", s)
	s.Facts.Data.Input.Std, s.Facts.Data.Input.Max = 80, 255
	wantNone(t, "bad_initialization", s)
	// At step 1: activations of 4e8 (kernels of ones, measured).
	s = healthySignals(t, 2)
	l := healthyLayers()
	s.Records[0] = record(1, 1, 1.39, l)
	s.Records[0].Layers[6].Activation.Mean = 3.8e8
	if f := wantFinding(t, "bad_initialization", s, Warning); f.Layer != "dense" {
		t.Errorf("layer %q", f.Layer)
	}
	// It explains the learning-rate symptoms it causes: ranked first.
	setLoss(s, func(st int) float64 {
		if st < 2 {
			return 1.39
		}
		return 12
	}, flat(0.25))
	d := Analyze(s)
	if d.Findings[0].ID != "bad_initialization" || d.Findings[0].Severity != Critical {
		t.Errorf("top %s %s, want bad_initialization raised to critical", d.Findings[0].ID, d.Findings[0].Severity)
	}
}

func TestDetectOverfittingMemorized(t *testing.T) {
	// 200 MNIST images, a large dense model (measured): val_loss flat,
	// training set memorized.
	s := healthySignals(t, 5)
	setEpochs(s, "loss", 0.44, 0.12, 0.033, 0.011, 0.0046)
	setEpochs(s, "accuracy", 0.925, 0.98, 1, 1, 1)
	setEpochs(s, "val_loss", 0.71, 0.49, 0.44, 0.46, 0.46)
	setEpochs(s, "val_accuracy", 0.76, 0.85, 0.855, 0.85, 0.86)
	f := wantFinding(t, "overfitting", s, Warning)
	if f.Since != 1 || !strings.Contains(f.Title, "memorized") {
		t.Errorf("since %d title %q", f.Since, f.Title)
	}
	// A small gap is not memorization.
	setEpochs(s, "val_accuracy", 0.95, 0.97, 0.975, 0.98, 0.98)
	wantNone(t, "overfitting", s)
	// Nor is a training accuracy under 0.99.
	setEpochs(s, "accuracy", 0.8, 0.85, 0.9, 0.92, 0.93)
	setEpochs(s, "val_accuracy", 0.7, 0.72, 0.75, 0.76, 0.77)
	wantNone(t, "overfitting", s)
}

func TestDetectVanishingGradientsWhileStuck(t *testing.T) {
	// Adam keeps six sigmoid layers' first-layer gradient at 1e-3..2e-3 of
	// the last's (measured) while the loss stays at chance.
	s := healthySignals(t, 2)
	setLoss(s, flat(2.31), flat(0.1))
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].grad = 2e-3 * l[len(l)-1].grad
		return l
	})
	wantFinding(t, "vanishing_gradients", s, Warning)
	// The same ratio in a run that learns is not reported.
	s = healthySignals(t, 2)
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].grad = 2e-3 * l[len(l)-1].grad
		return l
	})
	wantNone(t, "vanishing_gradients", s)
	// A short run (69 steps: one record after step 1) stuck at chance:
	// its one record counts, for vanishing gradients and saturation.
	s = healthySignals(t, 1)
	setLoss(s, flat(2.31), flat(0.1))
	setLayers(s, func(int) []synthLayer {
		l := healthyLayers()
		l[0].act, l[0].saturated = "sigmoid", 0.85
		l[0].grad = 2e-3 * l[len(l)-1].grad
		return l
	})
	short := prefix(s, 69)
	wantFinding(t, "vanishing_gradients", short, Warning)
	wantFinding(t, "saturated_activations", short, Warning)
	// ... but not when the run got going.
	setLoss(s, func(st int) float64 { return 2.31 - 0.02*float64(st) }, flat(0.5))
	short = prefix(s, 69)
	wantNone(t, "vanishing_gradients", short)
	wantNone(t, "saturated_activations", short)
}

func TestDetectLRTooHighEffectiveSGD(t *testing.T) {
	s := healthySignals(t, 2)
	s.Spec.Compile.Optimizer, s.Spec.Compile.LearningRate, s.Spec.Compile.Momentum = "sgd", 0.05, 0.9
	wantNone(t, "lr_too_high", s)
	// lr 0.5 with momentum 0.9 steps like plain SGD at 5.
	s.Spec.Compile.LearningRate = 0.5
	f := wantFinding(t, "lr_too_high", s, Warning)
	if e := f.Evidence[0]; e.Metric != "effective_learning_rate" || math.Abs(e.Value-5) > 1e-9 {
		t.Errorf("evidence %+v", e)
	}
}

func TestDetectClassWeightsOverCorrect(t *testing.T) {
	s := healthySignals(t, 2)
	s.Classes = []string{"disk", "box"}
	s.Facts.Data.Classes, s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance, s.Facts.Data.Weighted = s.Classes, []int{1710, 90}, 19, true
	// Balanced weights on a 95:5 hard pair (measured): 88% of the
	// predictions go to the 5% class.
	s.Facts.Val = []ValFacts{{Epoch: 2, Support: []int{190, 10}, Pred: []int{24, 176}, Correct: []int{24, 10}}}
	f := wantFinding(t, "majority_class_bias", s, Warning)
	if !strings.Contains(f.Title, `class "box"`) || f.Fixes[0] != resampleFix {
		t.Errorf("title %q fixes %v", f.Title, f.Fixes)
	}
	// Weighted and balanced predictions: nothing.
	s.Facts.Val = []ValFacts{{Epoch: 2, Support: []int{190, 10}, Pred: []int{188, 12}, Correct: []int{186, 8}}}
	wantNone(t, "majority_class_bias", s)
}
