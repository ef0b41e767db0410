package diagnose

import (
	"strings"
	"testing"
)

// A run of fewer optimizer steps than minJudgeSteps is not judged
// underfitting: a stranger's 18-image folder trained 2 epochs of 1 step
// each was told "Verdict: inconclusive ... only 2 optimizer step(s): at
// least 10 are needed to judge" and, in the same summary, "Fix first: use
// a larger model" from an underfitting warning (accuracy 0.5 on 2
// validation images). The same accuracies over 300 steps still are.
func TestUnderfittingNeedsTheStepsToJudge(t *testing.T) {
	s := healthySignals(t, 3)
	setEpochs(s, "accuracy", 0.3, 0.38, 0.41)
	setEpochs(s, "val_accuracy", 0.32, 0.4, 0.41)
	setEpochs(s, "loss", 1.7, 1.62, 1.58)
	wantFinding(t, "underfitting", s, Warning)

	s.Facts.Loss = LossTrace{}
	s.Records = s.Records[:1] // step 1
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(i + 1)
	}
	s.Facts.StepsPerEpoch = 1
	if got := s.Steps(); got != 3 {
		t.Fatalf("Steps() = %d, want 3", got)
	}
	wantNone(t, "underfitting", s)
	s.Final = true
	d := Analyze(s)
	var b strings.Builder
	d.WriteSummary(&b)
	if strings.Contains(b.String(), "larger model") {
		t.Errorf("a 3-step run's summary proposes a larger model:\n%s", b.String())
	}
}

// A fine-tune (model.from) starting below a uniform guess is not told its
// output activation or labels are wrong: a pre-trained base's features
// already separate the classes (a stranger's resnet-20 fine-tuned with a
// new head on two classes started at 0.209 for ln 2 = 0.693, and was
// warned "the output activation does not match the loss" with no fix).
// From scratch the same loss is still a warning.
func TestInitialLossLowOnAFineTune(t *testing.T) {
	s := healthySignals(t, 1)
	s.Facts.Init.Loss = 0.7 // ln 10 = 2.3
	wantFinding(t, "initial_loss", s, Warning)
	s.Spec.Model.From = "runs/pretrained"
	wantNone(t, "initial_loss", s)
	s.Facts.Init.Loss = 16 // far above: still a warning
	wantFinding(t, "initial_loss", s, Warning)
}
