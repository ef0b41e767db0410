package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The steps a moving statistic needs: ln(0.02)/ln(m).
func TestBNStepsToForget(t *testing.T) {
	for _, c := range []struct {
		m    float64
		want int
	}{{0.99, 390}, {0.999, 3911}, {0.9, 38}, {0, 0}, {1, 0}} {
		if got := bnStepsToForget(c.m); got != c.want {
			t.Errorf("bnStepsToForget(%g) = %d, want %d", c.m, got, c.want)
		}
	}
}

// A stranger's mobilenet-v2-small (preset, BatchNormalization at 0.99)
// on 300 images at batch 32: 9 steps per epoch. After 3 epochs the lag
// fix must lead with the lower momentum and give the epochs 390 steps
// take (44), not a doubling (6), and never larger batches; near enough
// (24 epochs) the exact epochs lead for a preset; a 0.999 momentum in a
// spec with layers: 3,911 steps, 435 epochs, after the momentum.
func TestBatchNormLagFixesFollowTheSteps(t *testing.T) {
	lagged := func(epochs int, spc *spec.Model) *Signals {
		s := healthySignals(t, epochs)
		s.Model.Layers = append(s.Model.Layers, nn.LayerSpec{Type: "BatchNormalization", Name: "batch_normalization"})
		for i := range s.Epochs {
			s.Epochs[i]["step"] = float64(9 * (i + 1))
		}
		s.Spec.Fit.Epochs, s.Spec.Fit.BatchSize = epochs, 32
		s.Spec.Model = *spc
		s.Facts.BNProbe = []ProbeFacts{{Epoch: epochs, Samples: 32, TrainModeAcc: 0.97, InferenceModeAcc: 0.2, TrainModeLoss: 0.1, InferenceLoss: 2.5}}
		return s
	}
	noBatch := func(fx []string) {
		t.Helper()
		if strings.Contains(strings.Join(fx, " | "), "batch_size") {
			t.Errorf("larger batches offered for a lag of too few steps: %q", fx)
		}
	}
	s := lagged(3, &spec.Model{Preset: "mobilenet-v2-small"})
	f := wantFinding(t, "batchnorm_statistics", s, Warning)
	if len(f.Fixes) != 2 || !strings.HasPrefix(f.Fixes[0], "lower the BatchNormalization momentum to 0.9") ||
		!strings.HasPrefix(f.Fixes[1], "train longer: fit.epochs: 44 (--epochs 44)") {
		t.Errorf("3 epochs: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	if e := fixCatalogue(s)[f.Fixes[1]]; len(e) != 1 || e[0].Path != "fit.epochs" || e[0].Value != 44 {
		t.Errorf("epochs fix edits %v", e)
	}
	s = lagged(24, &spec.Model{Preset: "mobilenet-v2-small"})
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 2 || !strings.HasPrefix(f.Fixes[0], "train longer: fit.epochs: 44") {
		t.Errorf("24 epochs: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	s = lagged(3, &spec.Model{})
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.999
	s.Spec.Model.Layers = s.Model.Layers
	f = wantFinding(t, "batchnorm_statistics", s, Warning)
	if len(f.Fixes) != 2 || !strings.Contains(f.Fixes[0], ".momentum: 0.9") || !strings.HasPrefix(f.Fixes[1], "train longer: fit.epochs: 435 ") {
		t.Errorf("0.999: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	// Enough epochs already in the spec: no epochs fix (it would not
	// differ from the spec).
	s = lagged(3, &spec.Model{Layers: s.Model.Layers[:len(s.Model.Layers)-1]})
	s.Spec.Fit.Epochs = 50
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); strings.Contains(strings.Join(f.Fixes, " "), "fit.epochs") {
		t.Errorf("50 epochs planned: fixes %q", f.Fixes)
	}
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.9 // 0.9^9 = 0.39 kept after 3 steps per epoch
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(3 * (i + 1))
	}
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 1 || !strings.HasPrefix(f.Fixes[0], "run all of fit.epochs 50") {
		t.Errorf("0.9, 50 epochs planned, ended: fixes %q", f.Fixes)
	}
	// Live, with epochs enough planned: let it finish, before any change.
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.95 // 77 steps: 26 epochs
	s.Live = true
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 2 || !strings.HasPrefix(f.Fixes[0], "let the run finish: fit.epochs 50") {
		t.Errorf("live, 50 epochs planned: fixes %q", f.Fixes)
	}
}
