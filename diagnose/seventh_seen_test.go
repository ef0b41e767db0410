package diagnose

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Issue 10, seventh round (d): the seventh part's classes (seen), one
// synthetic case per class (no training).

// At the end of a run whose early stopping restores an earlier epoch's
// weights, the model is judged on that epoch's validation pass, and a
// plateau that ended in early stopping with that model clearly above
// chance is information; without the callback, or with the restored
// model at chance, the judgement and the warning stand.
func TestEarlyStoppingPlateauIsHandled(t *testing.T) {
	s := healthySignals(t, 6)
	s.Final = true
	setEpochs(s, "loss", 1.5, 1.0, 0.995, 0.994, 0.992, 0.991)
	setEpochs(s, "accuracy", 0.6, 0.72, 0.73, 0.73, 0.73, 0.73)
	setEpochs(s, "val_loss", 0.9, 0.8, 0.7, 0.75, 0.8, 0.9)
	last := &s.Facts.Val[5]
	for k := range last.Correct {
		last.Correct[k] = 1
	}
	wantFinding(t, "loss_plateau", s, Warning)
	if j, _ := s.judge(); j.Above || j.Epoch != 6 {
		t.Errorf("no early stopping: judged %+v", j)
	}
	s.Spec.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true}
	s.Facts.StopReason = "early stopping: val_loss did not improve for 3 epochs (best 0.7 at epoch 3)"
	if j, _ := s.judge(); !j.Above || j.Epoch != 3 || !strings.Contains(j.Split, "restores") {
		t.Errorf("restored epoch 3: judged %+v", j)
	}
	if f := wantFinding(t, "loss_plateau", s, Info); !strings.Contains(f.Title, "handled") {
		t.Errorf("title %q", f.Title)
	}
	s.Final = false // live: nothing is restored yet
	if j, _ := s.judge(); j.Epoch != 6 {
		t.Errorf("live: judged epoch %d", j.Epoch)
	}
	wantFinding(t, "loss_plateau", s, Warning)
	s.Final = true
	for k := range s.Facts.Val[2].Correct {
		s.Facts.Val[2].Correct[k] = 1
	}
	wantFinding(t, "loss_plateau", s, Warning)
}

// Global pooling of 1×1 convolutions' features sees per-pixel colour
// mixtures only: underfitting (the model is too small) ranks first; a
// 3×3 convolution of the same width before the pooling sees shapes.
func TestPointwisePoolingIsTooSmall(t *testing.T) {
	s := stuckAtChance(t, 3)
	s.Model = &nn.ModelSpec{Input: []int{28, 28, 3}, Layers: []nn.LayerSpec{
		{Type: "Conv2D", Name: "conv2d", Filters: 16, KernelSize: nn.Pair{1, 1}, Activation: "relu"},
		{Type: "GlobalAveragePooling2D", Name: "gap"},
		{Type: "Dense", Name: "dense", Units: 10, Activation: "softmax"},
	}}
	s.Records = s.Records[:1]
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "underfitting" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	if f := d.Findings[0]; !strings.Contains(f.Evidence[0].Text, "1×1 or linear convolutions only") {
		t.Errorf("evidence %q", f.Evidence[0].Text)
	}
	s.Model.Layers[0].KernelSize = nn.Pair{3, 3}
	if e := tooNarrow(s); e != nil {
		t.Errorf("3×3 relu conv then pooling: %s", e.Text)
	}
	// A linear 3×3 convolution before the pooling: mean colours again.
	s.Model.Layers[0].Activation = "linear"
	if e := tooNarrow(s); e == nil || !strings.Contains(e.Text, "linear convolutions only") {
		t.Errorf("linear 3×3 conv then pooling: %+v", e)
	}
	// ... but not followed by a nonlinear one (rectified texture).
	s.Model.Layers = append([]nn.LayerSpec{s.Model.Layers[0]}, s.Model.Layers...)
	s.Model.Layers[1].Activation, s.Model.Layers[1].Name = "relu", "conv2d_1"
	if e := tooNarrow(s); e != nil {
		t.Errorf("linear then relu 3×3 convs, then pooling: %s", e.Text)
	}
}

// A stack of sigmoid layers whose gradients vanish at initialization in
// a run shorter than one metrics interval: vanishing_gradients ranks
// first, not lr_too_low at SGD's usual rate, and an untrained output
// that is the same for every image is the activations' (information),
// not a bad initializer's; a constant initializer still is one.
func TestSigmoidStackNamesVanishingFirst(t *testing.T) {
	grads := []float64{6.7e-4, 1.4e-4, 5.1e-4, 2.4e-3, 1e-2, 4.5e-2, 0.19, 0.58}
	s := stuckAtChance(t, 3)
	m, ls := sigmoidDeep(grads)
	for i := range ls {
		ls[i].ratio = 1e-4
	}
	s.Model = m
	s.Records = []train.StepRecord{record(1, 1, math.Log(10), ls)}
	s.Spec.Compile.Optimizer, s.Spec.Compile.LearningRate = "sgd", 0.02
	same := 0.0
	s.Facts.Init.OutputSpread = &same
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "vanishing_gradients" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	if f := find(d, "lr_too_low"); f != nil {
		t.Errorf("lr_too_low at SGD 0.02: %s", f.Title)
	}
	if f := find(d, "bad_initialization"); f == nil || f.Severity != Info || !strings.Contains(f.Title, "sigmoid/tanh") {
		t.Errorf("bad_initialization: %+v", f)
	}
	s.Model.Layers[1].KernelInitializer = "zeros"
	wantFinding(t, "bad_initialization", s, Warning)
}
