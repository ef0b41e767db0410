package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// Issue 10: a doctor trial trains as long as its fix needs to show (a
// BatchNormalization lag's fit.epochs 44 at 9 steps per epoch: 44 epochs,
// not 4), bounded by a fix's own fit.epochs and --max-trial-epochs, not
// by the run's fit.epochs (a stranger's 4-epoch mobilenet-v2-small run
// capped its momentum fix at 4 of the 10 epochs it needs), and says what
// it cut, raised and did not train as long.
func TestPlanTrial(t *testing.T) {
	lr := Action{Edits: []SpecEdit{setEdit("compile.learning_rate", 0.001)}}
	longer := Action{Edits: []SpecEdit{setEdit("fit.epochs", 44)}, Steps: 390}
	double := Action{Edits: []SpecEdit{setEdit("fit.epochs", 20)}}
	momentum := Action{Edits: []SpecEdit{setEdit("model.layers[2].momentum", 0.9)}, Steps: 38}
	for _, c := range []struct {
		name             string
		a                Action
		spec, spe, maxEp int
		epochs           int
		capped           bool
		length1, length2 string
	}{
		{"learning rate", lr, 10, 9, 50, 2, false, "", ""},
		{"BatchNorm epochs", longer, 3, 9, 50, 44, false, "44 epochs: the fix needs about 390 optimizer steps", "44 epochs at 9 steps per epoch"},
		{"BatchNorm epochs, bounded", longer, 3, 9, 20, 20, true, "20 epochs, capped by --max-trial-epochs 20", "may not show"},
		{"doubling", double, 10, 9, 50, 4, false, "4 epochs: twice the untreated trial's 2", ""},
		{"momentum", momentum, 30, 4, 50, 10, false, "10 epochs: the fix needs about 38 optimizer steps", ""},
		{"momentum, short spec", momentum, 4, 4, 50, 10, false, "(the trial's spec raises fit.epochs from 4 to 10)", "the untreated trial trained 2, so the comparison"},
		{"fix's own epochs", Action{Edits: []SpecEdit{setEdit("fit.epochs", 6)}, Steps: 80}, 3, 4, 50, 6, true, "capped by the fix's own fit.epochs 6", "20 epochs at 4 steps"},
		{"momentum, steps per epoch unknown", momentum, 30, 0, 50, 2, false, "", ""},
	} {
		p := planTrial(c.a, 2, c.spec, c.spe, c.maxEp)
		l := p.describe()
		if p.epochs != c.epochs || (p.capped != "") != c.capped || !strings.Contains(l, c.length1) || !strings.Contains(l, c.length2) || (c.length1 == "") != (l == "") {
			t.Errorf("%s: %d epochs, capped %q, %q; want %d, capped %v, %q ... %q", c.name, p.epochs, p.capped, l, c.epochs, c.capped, c.length1, c.length2)
		}
	}
}

// The BatchNormalization lag's fixes carry the steps they need: the run's
// momentum's (847 at 0.99) for training longer, 0.9's (81) for lowering
// the momentum; other fixes none.
func TestLagFixesCarryTheirSteps(t *testing.T) {
	s := healthySignals(t, 3)
	s.Model.Layers = append(s.Model.Layers, nn.LayerSpec{Type: "BatchNormalization", Name: "batch_normalization"})
	for i := range s.Epochs {
		s.Epochs[i]["step"] = float64(9 * (i + 1))
	}
	s.Spec.Fit.Epochs, s.Spec.Fit.BatchSize = 3, 32
	s.Spec.Model = spec.Model{Preset: "mobilenet-v2-small"}
	s.Facts.BNProbe = []ProbeFacts{{Epoch: 3, Samples: 32, TrainModeAcc: 0.97, InferenceModeAcc: 0.2, TrainModeLoss: 0.1, InferenceLoss: 2.5}}
	s.Final = true
	f := find(Analyze(s), "batchnorm_statistics")
	if f == nil {
		t.Fatal("no batchnorm_statistics finding")
	}
	steps := map[string]int{}
	for _, a := range f.Actions {
		steps[strings.SplitN(a.Fix, ":", 2)[0]] = a.Steps
	}
	if steps["train longer"] != 847 || len(f.Actions) < 2 {
		t.Errorf("actions %+v: want train longer with 847 steps", f.Actions)
	}
	momentum := 0
	for _, a := range f.Actions {
		if strings.Contains(a.Describe(), "momentum: 0.9") {
			momentum++
			if a.Steps != 81 {
				t.Errorf("momentum fix: %d steps, want 81", a.Steps)
			}
		}
	}
	if momentum != 1 {
		t.Errorf("actions %+v: want one that lowers the momentum", f.Actions)
	}
}

// The untreated trial trains 2 epochs at most the spec's by default, and
// a --trial-epochs given even past the spec's fit.epochs (it was cut to
// the spec's 4 before).
func TestDoctorBaseEpochs(t *testing.T) {
	s := &spec.Spec{Fit: spec.Fit{Epochs: 4}}
	for _, c := range []struct{ asked, spec, want int }{{0, 4, 2}, {0, 1, 1}, {12, 4, 12}, {3, 10, 3}} {
		s.Fit.Epochs = c.spec
		base, budget, specEpochs := doctorBase(s, DoctorOptions{Epochs: c.asked})
		if budget != c.want || base.Fit.Epochs != c.want || specEpochs != c.spec {
			t.Errorf("--trial-epochs %d, spec %d: budget %d, base %d, spec %d; want %d", c.asked, c.spec, budget, base.Fit.Epochs, specEpochs, c.want)
		}
	}
}
