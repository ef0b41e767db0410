package diagnose

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/train"
)

// Issue 10, fourth round: the failure classes of the fresh part, one
// synthetic case per class (no training).

// stuckAtChance turns the healthy signals into a run that learns nothing:
// the training loss flat at ln 10, batch accuracy 0.1, validation at
// chance on 150 images.
func stuckAtChance(t *testing.T, epochs int) *Signals {
	s := healthySignals(t, epochs)
	s.Final = true
	setLoss(s, flat(math.Log(10)), flat(0.1))
	valAt(s, 15, 0.1)
	setEpochs(s, "loss", 2.31, 2.303, 2.302, 2.302, 2.302, 2.302)
	setEpochs(s, "accuracy", 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)
	s.Facts.Noise = nil
	return s
}

// A partly dead ReLU layer or a generic accuracy shortfall sits beside
// not_learning, not above it (shuffled labels: 78-88% of one layer's
// units died on the way to the uniform guess); a dead network still
// explains it.
func TestSymptomsDoNotOutrankNotLearning(t *testing.T) {
	s := stuckAtChance(t, 3)
	setLayers(s, func(int) []synthLayer {
		ls := healthyLayers()
		ls[6].dead = 0.8
		return ls
	})
	setEpochs(s, "accuracy", 0.3, 0.35, 0.4) // above chance in training: underfitting's generic rule
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "not_learning" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	if find(d, "dying_relu") == nil || find(d, "underfitting") == nil {
		t.Errorf("the symptoms should still be listed: %v", ids(d.Findings))
	}
	if !deadNetwork(&Finding{Severity: Critical}) || deadNetwork(&Finding{Severity: Warning}) {
		t.Error("deadNetwork")
	}
}

// A model that pools the raw input sees a few channel means: underfitting
// names it and ranks above not_learning.
func TestRawInputPoolingIsTooSmall(t *testing.T) {
	s := stuckAtChance(t, 3)
	s.Model = &nn.ModelSpec{Input: []int{28, 28, 3}, Layers: []nn.LayerSpec{
		{Type: "GlobalAveragePooling2D", Name: "global_average_pooling2d"},
		{Type: "Dense", Name: "dense", Units: 8, Activation: "relu"},
		{Type: "Dense", Name: "dense_1", Units: 10, Activation: "softmax"},
	}}
	s.Records = s.Records[:1]
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "underfitting" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	if f := d.Findings[0]; !strings.Contains(f.Evidence[0].Text, "pools the raw input") || !strings.Contains(f.Fixes[0], "Conv2D") {
		t.Errorf("evidence %q, fixes %q", f.Evidence[0].Text, f.Fixes)
	}
	// A convolution before the pooling learns features: not raw.
	s.Model.Layers = append([]nn.LayerSpec{{Type: "Conv2D", Name: "conv2d", Filters: 32, Activation: "relu"}}, s.Model.Layers...)
	if e := tooNarrow(s); e != nil {
		t.Errorf("conv then pooling: %s", e.Text)
	}
}

// sigmoidDeep is seven sigmoid Dense(32) layers; its step-1 record has
// gradient norms shrinking from 0.58 at the output to 1e-4 at the first
// layer (as measured on f-sigmoid-deep-cells).
func sigmoidDeep(grads []float64) (*nn.ModelSpec, []synthLayer) {
	m := &nn.ModelSpec{Input: []int{40, 40, 3}, Layers: []nn.LayerSpec{{Type: "Flatten", Name: "flatten"}}}
	ls := []synthLayer{{"flatten", "Flatten", "", 0, 0, 0, 0, 0, 0}}
	for i, g := range grads {
		name, act := "dense_"+string(rune('0'+i)), "sigmoid"
		if i == len(grads)-1 {
			act = "softmax"
		}
		m.Layers = append(m.Layers, nn.LayerSpec{Type: "Dense", Name: name, Units: 32, Activation: act})
		ls = append(ls, synthLayer{name, "Dense", act, g, 3, 1e-3, 0, 0, 0})
	}
	return m, ls
}

// A run shorter than one metrics interval has only step 1's record:
// gradients vanishing there, in a run stuck at its end, are named.
func TestVanishingAtInitOnShortRuns(t *testing.T) {
	grads := []float64{6.7e-4, 1.4e-4, 5.1e-4, 2.4e-3, 1e-2, 4.5e-2, 0.19, 0.58}
	s := stuckAtChance(t, 3)
	m, ls := sigmoidDeep(grads)
	s.Model = m
	s.Records = []train.StepRecord{record(1, 1, math.Log(10), ls)}
	d := Analyze(s)
	if len(d.Findings) == 0 || d.Findings[0].ID != "vanishing_gradients" {
		t.Fatalf("first finding: %v", ids(d.Findings))
	}
	// Live, before the end, one record of the initial weights is not
	// judged.
	s.Live, s.Final = true, false
	wantNone(t, "vanishing_gradients", s)
	s.Live, s.Final = false, true
	// Healthy gradients at step 1: nothing.
	flatG := []float64{0.3, 0.4, 0.4, 0.5, 0.5, 0.5, 0.6, 0.6}
	_, ls = sigmoidDeep(flatG)
	s.Records = []train.StepRecord{record(1, 1, math.Log(10), ls)}
	wantNone(t, "vanishing_gradients", s)
	// The same step-1 gradients in a run whose loss falls: nothing.
	s = healthySignals(t, 3)
	s.Model, ls = sigmoidDeep(grads)
	s.Records = []train.StepRecord{record(1, 1, 2.3, ls)}
	wantNone(t, "vanishing_gradients", s)
}

// Misclassified training images are label noise only once the model fits
// the rest: at training accuracy near chance (Dropout 0.8) they are not.
func TestLabelNoiseNeedsAModelThatFits(t *testing.T) {
	s := healthySignals(t, 3)
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 1000, Suspects: 4, Stuck: 110,
		StuckConf: 0.5, CorrectConf: 0.5, StuckByLabel: []int{11, 11, 11, 11, 11, 11, 11, 11, 11, 11}}
	setEpochs(s, "accuracy", 0.5, 0.55, 0.6)
	if f := detect(t, "label_noise", s); f == nil || f.Severity != Warning {
		t.Fatalf("fitting model, 11%% stuck: %+v", f)
	}
	setEpochs(s, "accuracy", 0.1, 0.11, 0.11)
	wantNone(t, "label_noise", s)
	// Heavy dropout explains images misclassified in training mode: it
	// ranks first (Dropout 0.9 on shapes: 9.9% stuck at training accuracy
	// 0.30, validation 0.77).
	setEpochs(s, "accuracy", 0.5, 0.55, 0.6)
	s.Model.Layers = append(s.Model.Layers[:len(s.Model.Layers)-1:len(s.Model.Layers)-1],
		nn.LayerSpec{Type: "Dropout", Name: "dropout", Rate: 0.9}, s.Model.Layers[len(s.Model.Layers)-1])
	d := Analyze(s)
	if len(d.Findings) < 2 || d.Findings[0].ID != "high_dropout" || find(d, "label_noise") == nil {
		t.Errorf("dropout 0.9 and stuck images: %v", ids(d.Findings))
	}
}

// A training accuracy near 1 and a validation accuracy far below it for
// epochs is overfitting even when the validation loss keeps falling; a
// small gap, or one within a tiny split's noise, is not.
func TestOverfittingByPersistentGap(t *testing.T) {
	s := healthySignals(t, 6)
	s.Final = true
	setEpochs(s, "accuracy", 0.5, 0.8, 0.9, 0.94, 0.96, 0.95)
	valAt(s, 5, 0.6) // 50 validation images
	f := wantFinding(t, "overfitting", s, Warning)
	if !strings.Contains(f.Title, "last 3 epochs") {
		t.Errorf("title %q", f.Title)
	}
	if d := Analyze(s); d.Verdict != LearningWithProblems {
		t.Errorf("verdict %q", d.Verdict)
	}
	valAt(s, 5, 0.84) // gap 0.11
	wantNone(t, "overfitting", s)
	valAt(s, 2, 0.75) // 20 images: 0.95 is inside 0.75's interval
	wantNone(t, "overfitting", s)
	valAt(s, 10, 0.1) // at chance: not_learning's
	wantNone(t, "overfitting", s)
}

// withSpikes gives the healthy run two batch losses of 8 (3.5x the start)
// and a model with a BatchNormalization layer, trained at batch b with
// Adam at its default rate.
func withSpikes(t *testing.T, b int) *Signals {
	s := healthySignals(t, 3)
	s.Final = true
	loss := s.Facts.Loss
	setLoss(s, func(st int) float64 {
		if st == 50 || st == 150 {
			return 8
		}
		for i, x := range loss.Step {
			if x == st {
				return float64(loss.Loss[i])
			}
		}
		return 1
	}, flat(0.9))
	s.Model.Layers = append([]nn.LayerSpec{{Type: "BatchNormalization", Name: "batch_normalization"}}, s.Model.Layers...)
	s.Spec.Fit.BatchSize = b
	return s
}

// Loss spikes under BatchNormalization at batch 8 and Adam's usual rate
// are the batch statistics', not a too-high learning rate; at batch 32
// they still count against the rate.
func TestSmallBatchBatchNormIsNotATooHighRate(t *testing.T) {
	s := withSpikes(t, 8)
	wantNone(t, "lr_too_high", s)
	f := detect(t, "batchnorm_statistics", s)
	if f == nil || !strings.Contains(f.Title, "batches of 8") || !strings.Contains(f.Fixes[0], "batch_size: 32") {
		t.Fatalf("batch 8: %+v", f)
	}
	if f.Severity != Info {
		t.Errorf("a run that learns: severity %s, want info", f.Severity)
	}
	s = withSpikes(t, 32)
	if f := detect(t, "lr_too_high", s); f == nil {
		t.Error("batch 32: no lr_too_high")
	}
	wantNone(t, "batchnorm_statistics", s)
	// A rate above the usual one is still the rate's.
	s = withSpikes(t, 8)
	s.Spec.Compile.LearningRate = 0.05
	if f := detect(t, "lr_too_high", s); f == nil {
		t.Error("lr 0.05 at batch 8: no lr_too_high")
	}
}

// Item 6 of issue 10 (fourth round): the output/loss pairing fix reads
// compile.from_logits (a linear output with it is already paired), and no
// fix writes layers or a preset over a pre-trained model (model.from).
func TestFixesGroundedInFromLogitsAndFrom(t *testing.T) {
	s := healthySignals(t, 1)
	fs := []Finding{{ID: "x", Fixes: []string{pairFix}}}
	groundFixes(s, fs)
	if len(fs[0].Fixes) != 0 {
		t.Errorf("softmax + sparse CE: pairFix kept: %q", fs[0].Fixes)
	}
	s = healthySignals(t, 1)
	s.Model.Layers[len(s.Model.Layers)-1].Activation = "linear"
	s.Spec.Compile.FromLogits = true
	fs = []Finding{{ID: "x", Fixes: []string{pairFix}}}
	groundFixes(s, fs)
	if len(fs[0].Fixes) != 0 {
		t.Errorf("linear + from_logits: pairFix kept: %q", fs[0].Fixes)
	}
	s = healthySignals(t, 1)
	s.Model.Layers[len(s.Model.Layers)-1].Activation = "softmax"
	s.Spec.Compile.FromLogits = true
	edits := pairEdits(s, "softmax", len(s.Model.Layers)-1)
	if len(edits) != 1 || edits[0].Path != "compile.from_logits" || edits[0].Value != false {
		t.Errorf("softmax + from_logits: edits %+v", edits)
	}
	s = healthySignals(t, 1)
	s.Spec.Model.From = "runs/pretrained"
	fs = []Finding{{ID: "x", Fixes: []string{heUniformFix, largerModelFix, lowerLRFix(s)}}}
	groundFixes(s, fs)
	if got := strings.Join(fs[0].Fixes, " | "); got != lowerLRFix(s) {
		t.Errorf("model.from: fixes %q", got)
	}
	if _, err := ApplyEdits(s.Spec, []SpecEdit{setEdit("model.layers[0].kernel_initializer", "he_uniform")}, s.Model.Layers); err == nil {
		t.Error("model.from: a layers edit applied")
	}
}
