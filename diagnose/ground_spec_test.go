package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// earlyStopped is a run whose spec has fit.early_stopping {monitor:
// val_loss, patience: 3, restore_best_weights: true} and that stopped
// itself at epoch 4 of 25.
func earlyStopped(t *testing.T) *Signals {
	s := healthySignals(t, 4)
	s.Spec.Fit.Epochs = 25
	s.Spec.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true}
	s.Facts.StopReason = "early stopping: val_loss did not improve for 3 epochs (best 1.121 at epoch 1)"
	return s
}

// A fix may only name a change the spec does not already make (stranger
// trial: "stop at the best epoch: fit.early_stopping {patience: 3, ...}"
// on a spec that had exactly that, and "train longer: fit.epochs: 50"
// when early stopping had ended the run at epoch 11 of 25).
func TestFixesGroundedInEarlyStopping(t *testing.T) {
	s := earlyStopped(t)
	noise := "stop before the model memorizes the noise: " + patienceFix
	fs := []Finding{{ID: "label_noise", Fixes: []string{"review the listed files", noise}},
		{ID: "overfitting", Fixes: []string{patienceFix, augmentFix}},
		{ID: "underfitting", Fixes: []string{largerModelFix, epochsFix(s, 2)}}}
	groundFixes(s, fs)
	attachActions(s, fs)
	if got := fs[0].Fixes; !slices.Equal(got, []string{"review the listed files"}) {
		t.Errorf("label_noise fixes %q: the spec already stops at the best epoch", got)
	}
	if got := fs[1].Fixes; !slices.Equal(got, []string{augmentFix}) {
		t.Errorf("overfitting fixes %q: the spec already stops at the best epoch", got)
	}
	fx := fs[2].Fixes[len(fs[2].Fixes)-1]
	if strings.Contains(fx, "fit.epochs") || !strings.Contains(fx, "stopped itself at epoch 4 of 25") || !strings.Contains(fx, "fit.early_stopping.patience to 10 (--patience 10)") {
		t.Errorf("underfitting's last fix %q: want the patience raised, not fit.epochs", fx)
	}
	a := fs[2].Actions[len(fs[2].Actions)-1]
	if a.Fix != fx || len(a.Edits) != 1 || a.Edits[0].Path != "fit.early_stopping.patience" || a.Edits[0].Value != 10 {
		t.Errorf("action %+v", a)
	}
	after, err := ApplyEdits(s.Spec, a.Edits, s.Model.Layers)
	if err != nil || after.Fit.EarlyStopping.Patience != 10 || !after.Fit.EarlyStopping.RestoreBestWeights || after.Fit.EarlyStopping.Monitor != "val_loss" {
		t.Errorf("applied: %v %+v", err, after.Fit.EarlyStopping)
	}
	// Without early stopping in the spec both fixes stand, and training
	// longer is fit.epochs.
	s = healthySignals(t, 4)
	s.Spec.Fit.Epochs = 25
	fs = []Finding{{ID: "label_noise", Fixes: []string{noise, epochsFix(s, 2)}}}
	groundFixes(s, fs)
	if got := fs[0].Fixes; !slices.Equal(got, []string{noise, "train longer: fit.epochs: 50 (--epochs 50)"}) {
		t.Errorf("no early stopping: fixes %q", got)
	}
}

// "use more training images" names data.limit only when the spec sets one.
func TestMoreImagesFixNamesLimitOnlyWhenSet(t *testing.T) {
	s := healthySignals(t, 1)
	if fx := moreImagesFix(s); strings.Contains(fx, "data.limit") {
		t.Errorf("no limit: %q", fx)
	}
	s.Spec.Data.Limit = 300
	if fx := moreImagesFix(s); !strings.Contains(fx, "data.limit (now 300") {
		t.Errorf("limit 300: %q", fx)
	}
}

// On a preset a fix that edits model.layers says how to apply it (the
// spec has no layers to edit); with layers in the spec it is as it was.
func TestPresetLayerFixSaysHow(t *testing.T) {
	s := healthySignals(t, 1)
	s.Spec.Model.Preset, s.Dir = "basic-cnn", "runs/vgg8"
	fs := []Finding{{ID: "overfitting", Fixes: []string{augmentFix, addDropoutFix}}}
	attachActions(s, fs)
	if fs[0].Fixes[0] != augmentFix || fs[0].Actions[0].Fix != augmentFix {
		t.Errorf("augmentation fix changed: %q", fs[0].Fixes[0])
	}
	fx := fs[0].Fixes[1]
	if !strings.HasPrefix(fx, addDropoutFix) || !strings.Contains(fx, "model.preset basic-cnn has no layers in your spec") ||
		!strings.Contains(fx, "`cnnscope doctor runs/vgg8` writes the preset out as layers") || fs[0].Actions[1].Fix != fx {
		t.Errorf("preset dropout fix %q, action %q", fx, fs[0].Actions[1].Fix)
	}
	s.Spec.Model.Preset, s.Spec.Model.Layers = "", s.Model.Layers
	fs = []Finding{{ID: "overfitting", Fixes: []string{addDropoutFix}}}
	attachActions(s, fs)
	if fs[0].Fixes[0] != addDropoutFix {
		t.Errorf("layers in the spec: %q", fs[0].Fixes[0])
	}
}

// A cause the run's own pre-training checks rule out is not listed
// (stranger trial: "inputs are not normalized" beside inputs 0.118..0.863).
func TestCausesGroundedInMeasuredInputs(t *testing.T) {
	causes := []string{"the learning rate is too high", "inputs are not normalized", "gradients explode (no clipping, no normalization layers)"}
	s := healthySignals(t, 1)
	s.Facts.Data.Input = &InputStats{Batches: 4, Min: 0.118, Max: 0.863, Mean: 0.235, Std: 0.17}
	fs := []Finding{{ID: "divergence", Causes: slices.Clone(causes)}}
	groundFixes(s, fs)
	if got := fs[0].Causes; !slices.Equal(got, []string{causes[0], causes[2]}) {
		t.Errorf("inputs 0.118..0.863: causes %q", got)
	}
	s.Facts.Data.Input.Max = 255
	fs = []Finding{{ID: "divergence", Causes: slices.Clone(causes)}}
	groundFixes(s, fs)
	if got := fs[0].Causes; !slices.Equal(got, causes) {
		t.Errorf("inputs up to 255: causes %q", got)
	}
}

// A loss that rose is "worse", not "-1.9% better".
func TestLossChange(t *testing.T) {
	if got := lossChange(1.0, 1.019); got != "1.9% worse" {
		t.Errorf("rise: %q", got)
	}
	if got := lossChange(1.0, 0.995); got != "0.5% better" {
		t.Errorf("fall: %q", got)
	}
}

// A resumed run keeps the steps its interrupted part raised findings
// at: the end says "label_noise (step 48)", not "(step 0)" (stranger
// trial, cnnscope resume after Ctrl-C).
func TestResumeKeepsRaisedSteps(t *testing.T) {
	m := NewMonitor("", Options{})
	m.ensure()
	m.restoreRaised(&Diagnosis{
		Findings: []Finding{{ID: "label_noise", Severity: Warning, Detected: 48}, {ID: "overfitting", Severity: Info}},
		Earlier:  []Finding{{ID: "lr_too_high", Severity: Warning, Detected: 20}},
	})
	m.raiseAtSetup(&Diagnosis{Findings: []Finding{{ID: "label_noise", Severity: Warning}, {ID: "unnormalized_inputs", Severity: Warning}}})
	if got := m.emitted["label_noise"].Detected; got != 48 {
		t.Errorf("label_noise raised at step %d, want 48", got)
	}
	if _, ok := m.emitted["overfitting"]; ok {
		t.Error("an info finding never raised live was restored")
	}
	if want := []string{"lr_too_high", "label_noise", "unnormalized_inputs"}; !slices.Equal(m.order, want) {
		t.Errorf("order %q, want %q", m.order, want)
	}
	d := &Diagnosis{Earlier: []Finding{m.emitted["label_noise"]}}
	var b strings.Builder
	d.WriteSummary(&b)
	if !strings.Contains(b.String(), "label_noise (step 48)") {
		t.Errorf("summary:\n%s", b.String())
	}
}
