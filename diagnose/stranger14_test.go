package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
)

// A symptom lists a warning or critical cause before an info one, whatever
// their priority (a stranger's mobilenet-v2-small: an info "label noise
// suspected 4.1%" was its underfitting's cause 1, above the critical
// BatchNormalization lag), and an info cause is not raised above its
// symptom's severity; and one run has one epoch count: the cause's
// fit.epochs fix replaces the symptom's own ("fit.epochs: 8" beside the
// lag's "fit.epochs: 44").
func TestLinkOrdersCausesBySeverityAndOneEpochCount(t *testing.T) {
	fs := []Finding{
		{ID: "label_noise", Severity: Info, Title: "Label noise suspected", Fixes: []string{"review the listed files"}},
		{ID: "batchnorm_statistics", Severity: Critical, Title: "BatchNormalization lag",
			Fixes: []string{"lower the momentum", "train longer: fit.epochs: 44 (--epochs 44): momentum 0.99 needs ..."}},
		{ID: "underfitting", Severity: Info, Title: "Accuracy only 0.611", Causes: []string{"not trained long enough"},
			Fixes: []string{"train longer: fit.epochs: 8 (--epochs 8)"}},
	}
	link(fs)
	u := fs[2]
	if len(u.Causes) < 2 || !strings.Contains(u.Causes[0], "see batchnorm_statistics") || !strings.Contains(u.Causes[1], "see label_noise") {
		t.Errorf("causes %q: want the critical BatchNormalization cause first", u.Causes)
	}
	if fs[0].Severity != Info {
		t.Errorf("label noise raised to %s", fs[0].Severity)
	}
	all := strings.Join(u.Fixes, " | ")
	if strings.Contains(all, "fit.epochs: 8") || !strings.Contains(all, "fit.epochs: 44") || u.Fixes[0] != "lower the momentum" {
		t.Errorf("fixes %q: want the cause's fixes first and its 44 epochs, not 8", u.Fixes)
	}
}

// bnRun is a run with one BatchNormalization layer (Keras' 0.99) of
// epochs epochs at 9 steps each, ended, with a probe at each epoch from
// the second: training mode 1.00, inference mode at the given accuracies
// (and losses) from epoch from on.
func bnRun(t *testing.T, epochs, from int, inf, infLoss []float64) *Signals {
	s := healthySignals(t, epochs)
	s.Final = true
	s.Model.Layers = append(s.Model.Layers, nn.LayerSpec{Type: "BatchNormalization", Name: "batch_normalization"})
	s.Spec.Fit.Epochs, s.Spec.Fit.BatchSize = epochs, 32
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(9 * (i + 1))
	}
	for e, k := from, 0; e <= epochs; e++ {
		p := ProbeFacts{Epoch: e, Samples: 32, TrainModeAcc: 1, InferenceModeAcc: 0.95, TrainModeLoss: 0.01, InferenceLoss: 0.02}
		if k < len(inf) {
			p.InferenceModeAcc, p.InferenceLoss = inf[k], infLoss[k]
			k++
		} else if len(inf) > 0 {
			p.InferenceModeAcc, p.InferenceLoss = inf[len(inf)-1], infLoss[len(infLoss)-1]
		}
		s.Facts.BNProbe = append(s.Facts.BNProbe, p)
	}
	return s
}

// A gap that stays from early in a run to its end, the moving statistics
// past bnStartShare of their start (a stranger's 44 epochs at 0.99, at
// chance all run, told "nothing yet: watch"), gets the gap's causes and
// fixes: the variance not yet forgotten, batches unlike the data, a lower
// momentum, more steps; a gap at the last probes only is still the
// passing one of fast early weights.
func TestBatchNormGapStayingToTheEnd(t *testing.T) {
	s := bnRun(t, 30, 2, []float64{0.34}, []float64{1.1}) // 270 steps: 0.99^270 = 0.066 kept
	f := detect(t, "batchnorm_statistics", s)
	if f == nil {
		t.Fatal("no batchnorm_statistics finding")
	}
	all := strings.Join(f.Fixes, " | ")
	if strings.Contains(all, "watch") || !strings.Contains(all, "momentum") || !strings.Contains(all, "fit.epochs: 95") {
		t.Errorf("fixes %q", f.Fixes)
	}
	if len(f.Causes) < 2 || !strings.Contains(f.Causes[0], "moving variances still off") || strings.Contains(f.Causes[0], "early in training") {
		t.Errorf("causes %q", f.Causes)
	}
	if f.Severity != Info || f.Since != 2 {
		t.Errorf("severity %s since %d, want info since 2", f.Severity, f.Since)
	}
	// Only the last two probes show the gap: the passing trail.
	s = bnRun(t, 30, 2, nil, nil)
	for i := len(s.Facts.BNProbe) - 2; i < len(s.Facts.BNProbe); i++ {
		s.Facts.BNProbe[i].InferenceModeAcc, s.Facts.BNProbe[i].InferenceLoss = 0.34, 1.1
	}
	if f := detect(t, "batchnorm_statistics", s); f == nil || !strings.Contains(strings.Join(f.Fixes, " "), "watch") {
		t.Errorf("a gap at the last two probes only: %+v", f)
	}
}

// A lag whose gap widened at each of the last probes while the moving
// statistics got more steps (a stranger's vgg-small, 8 epochs: inference
// mode 0.81, 0.75, 0.66, 0.56 on the training images) is not "too few
// steps", and training longer is not its fix; a gap that narrows is.
func TestBatchNormGapGrowingWithSteps(t *testing.T) {
	s := bnRun(t, 8, 5, []float64{0.81, 0.75, 0.66, 0.56}, []float64{0.25, 2.85, 3.76, 4.28}) // 72 steps: 0.49 kept
	f := detect(t, "batchnorm_statistics", s)
	if f == nil {
		t.Fatal("no batchnorm_statistics finding")
	}
	if strings.Contains(f.Causes[0], "too few steps") || strings.Contains(strings.Join(f.Fixes, " "), "fit.epochs") {
		t.Errorf("growing gap: causes %q fixes %q", f.Causes, f.Fixes)
	}
	s = bnRun(t, 8, 5, []float64{0.4, 0.5, 0.6, 0.7}, []float64{4, 3, 2, 1.8})
	if f = detect(t, "batchnorm_statistics", s); f == nil || !strings.Contains(f.Causes[0], "too few steps") {
		t.Errorf("narrowing gap: %+v", f)
	}
}

// A run without warnings whose validation accuracy is clearly below its
// training accuracy (a stranger's vgg-small, 3 epochs: 0.993 against
// 0.700 on 30 images) does not read "no problems found".
func TestProgressSummarySaysAClearGap(t *testing.T) {
	s := healthySignals(t, 3)
	setEpochs(s, "accuracy", 0.55, 0.96, 0.993)
	setEpochs(s, "val_accuracy", 0.3, 0.57, 0.7)
	v := &s.Facts.Val[2]
	for k := range v.Support {
		v.Support[k], v.Pred[k], v.Correct[k] = 3, 3, 2
	}
	if m := progressSummary(s); strings.Contains(m, "no problems found") || !strings.Contains(m, "clearly below the training accuracy 0.993") {
		t.Errorf("summary %q", m)
	}
	// a gap beyond the noise of a large split but too small to matter
	setEpochs(s, "accuracy", 0.55, 0.96, 0.993)
	setEpochs(s, "val_accuracy", 0.3, 0.57, 0.96)
	for k := range v.Support {
		v.Support[k], v.Pred[k], v.Correct[k] = 3000, 3000, 2880
	}
	if !clearGap(s, 0.993, 0.96) {
		t.Fatal("test setup: 0.993 against 0.960 on 6,000+ images should be beyond the noise")
	}
	if m := progressSummary(s); !strings.Contains(m, "no problems found") {
		t.Errorf("small gap: summary %q", m)
	}
	setEpochs(s, "val_accuracy", 0.3, 0.57, 0.98)
	for k := range v.Support {
		v.Support[k], v.Pred[k], v.Correct[k] = 3, 3, 3
	}
	if m := progressSummary(s); !strings.Contains(m, "no problems found") {
		t.Errorf("no gap: summary %q", m)
	}
}

// A few confidently misclassified training images (information) are no
// label evidence while inference mode scores far below training mode on
// the same images at the end (a stranger's clean mobilenet-v2-small:
// "label noise suspected 4.1%" beside a 0.66 / 0.34 BatchNormalization
// gap); a warning's share still counts.
func TestLabelNoiseInfoNotWithABatchNormGap(t *testing.T) {
	s := healthySignals(t, 3)
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 120, Suspects: 6}
	wantFinding(t, "label_noise", s, Info)
	s.Facts.BNProbe = []ProbeFacts{{Epoch: 3, Samples: 32, TrainModeAcc: 0.66, InferenceModeAcc: 0.34, TrainModeLoss: 0.58, InferenceLoss: 1.1}}
	wantNone(t, "label_noise", s)
	s.Facts.Noise = &NoiseFacts{Epochs: 3, Samples: 1000, Suspects: 180}
	wantFinding(t, "label_noise", s, Warning)
}
