package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
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
