package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// The steps a moving statistic needs: ln(0.02 * 0.01 / 0.99)/ln(m),
// for a layer variance a hundredth of the start's 1 (a stranger's
// mobilenet-v2-small at 0.9 needed 72-81 steps); ln(0.02)/ln(m) near 1.
func TestBNStepsToForget(t *testing.T) {
	for _, c := range []struct {
		m          float64
		want, near int
	}{{0.99, 847, 390}, {0.999, 8503, 3911}, {0.9, 81, 38}, {0, 0, 0}, {1, 0, 0}} {
		if got := bnStepsToForget(c.m); got != c.want {
			t.Errorf("bnStepsToForget(%g) = %d, want %d", c.m, got, c.want)
		}
		if got := bnStepsNearStart(c.m); got != c.near {
			t.Errorf("bnStepsNearStart(%g) = %d, want %d", c.m, got, c.near)
		}
	}
}

// A stranger's mobilenet-v2-small (preset, BatchNormalization at 0.99)
// on 300 images at batch 32: 9 steps per epoch. After 3 epochs the lag
// fix must lead with the lower momentum and give the epochs 847 steps
// take (95), not a doubling (6), and never larger batches; near enough
// (fit.epochs 48 planned, the run stopped at 3) the exact epochs lead for
// a preset; a 0.999 momentum in a
// spec with layers: 8,503 steps, 945 epochs, after the momentum.
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
		!strings.HasPrefix(f.Fixes[1], "train longer: fit.epochs: 95 (--epochs 95)") {
		t.Errorf("3 epochs: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	if e := fixCatalogue(s)[f.Fixes[1]]; len(e) != 1 || e[0].Path != "fit.epochs" || e[0].Value != 95 {
		t.Errorf("epochs fix edits %v", e)
	}
	s = lagged(3, &spec.Model{Preset: "mobilenet-v2-small"})
	s.Spec.Fit.Epochs = 48
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 2 || !strings.HasPrefix(f.Fixes[0], "train longer: fit.epochs: 95") {
		t.Errorf("48 epochs: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	s = lagged(3, &spec.Model{})
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.999
	s.Spec.Model.Layers = s.Model.Layers
	f = wantFinding(t, "batchnorm_statistics", s, Warning)
	if len(f.Fixes) != 2 || !strings.Contains(f.Fixes[0], ".momentum: 0.9") || !strings.HasPrefix(f.Fixes[1], "train longer: fit.epochs: 945 ") {
		t.Errorf("0.999: fixes %q", f.Fixes)
	}
	noBatch(f.Fixes)
	// Enough epochs already in the spec: no epochs fix (it would not
	// differ from the spec).
	s = lagged(3, &spec.Model{Layers: s.Model.Layers[:len(s.Model.Layers)-1]})
	s.Spec.Fit.Epochs = 100
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); strings.Contains(strings.Join(f.Fixes, " "), "fit.epochs") {
		t.Errorf("100 epochs planned: fixes %q", f.Fixes)
	}
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.9 // 0.9^9 = 0.39 kept after 3 steps per epoch; 81 steps: 27 epochs
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(3 * (i + 1))
	}
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 1 || !strings.HasPrefix(f.Fixes[0], "run all of fit.epochs 100") {
		t.Errorf("0.9, 100 epochs planned, ended: fixes %q", f.Fixes)
	}
	// Live, with epochs enough planned: let it finish, before any change.
	s.Model.Layers[len(s.Model.Layers)-1].Momentum = 0.95 // 166 steps: 56 epochs
	s.Live = true
	if f = wantFinding(t, "batchnorm_statistics", s, Warning); len(f.Fixes) != 2 || !strings.HasPrefix(f.Fixes[0], "let the run finish: fit.epochs 100") {
		t.Errorf("live, 100 epochs planned: fixes %q", f.Fixes)
	}
}
