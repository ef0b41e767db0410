package train

import (
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/optim"
)

// plateau is 12 epochs of a flat val_loss; with Patience 2, Cooldown 2,
// Factor 0.5 and MinLR 0.02 from lr 0.1, Keras' rule (worked by hand):
//
//	e0 best=1            e4 cooldown 0, wait 1    e8 wait 2: 0.025 -> 0.02
//	e1 wait 1            e5 wait 2: 0.05 -> 0.025 e9 cooldown 1
//	e2 wait 2: 0.1->0.05 e6 cooldown 1            e10 wait 1
//	e3 cooldown 1        e7 cooldown 0, wait 1    e11 wait 2: lr at min_lr, no change
var plateau = []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}

var plateauReductions = []LRReduction{{2, 0.1, 0.05}, {5, 0.05, 0.025}, {8, 0.025, 0.02}}

func newPlateau() *ReduceLROnPlateau {
	return &ReduceLROnPlateau{Factor: 0.5, Patience: 2, Cooldown: 2, MinLR: 0.02}
}

func TestReduceLROnPlateauCooldownAndMinLR(t *testing.T) {
	s := fakeState(t, 0.1)
	c := newPlateau()
	runEpochs(t, s, c, "val_loss", plateau)
	if !slices.Equal(c.Reductions, plateauReductions) {
		t.Errorf("reductions %v, want %v", c.Reductions, plateauReductions)
	}
	if lr := s.Optimizer.LearningRate(); lr != 0.02 {
		t.Errorf("final lr %v, want 0.02", lr)
	}
	// The logs keep the rate each epoch used.
	got := s.History.Series("lr")
	want := []float64{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02}
	if !slices.Equal(got, want) {
		t.Errorf("lr per epoch %v, want %v", got, want)
	}
}

func TestReduceLROnPlateauImprovementResets(t *testing.T) {
	s := fakeState(t, 1)
	c := &ReduceLROnPlateau{Patience: 2}
	// e2 improves by more than 1e-4 and resets the count; e3 by less.
	runEpochs(t, s, c, "val_loss", []float64{1, 1, 0.5, 0.49995, 0.6})
	want := []LRReduction{{4, 1, 0.1}}
	if !slices.Equal(c.Reductions, want) {
		t.Errorf("reductions %v, want %v", c.Reductions, want)
	}
	s = fakeState(t, 1)
	c = &ReduceLROnPlateau{Monitor: "val_accuracy", Patience: 1}
	runEpochs(t, s, c, "val_accuracy", []float64{0.5, 0.7, 0.6})
	if want := []LRReduction{{2, 1, 0.1}}; !slices.Equal(c.Reductions, want) {
		t.Errorf("accuracy (auto max): reductions %v, want %v", c.Reductions, want)
	}
}

func TestReduceLROnPlateauDefaults(t *testing.T) {
	s := fakeState(t, 1)
	c := &ReduceLROnPlateau{}
	// Patience 10: ten flat epochs after the first, then 0.1x.
	runEpochs(t, s, c, "val_loss", make([]float64, 12))
	if want := []LRReduction{{10, 1, 0.1}}; !slices.Equal(c.Reductions, want) {
		t.Errorf("reductions %v, want %v", c.Reductions, want)
	}
}

// TestReduceLROnPlateauResume replays the first half of the plateau and
// continues: same reductions and rate as the uninterrupted run.
func TestReduceLROnPlateauResume(t *testing.T) {
	full := fakeState(t, 0.1)
	runEpochs(t, full, newPlateau(), "val_loss", plateau)
	s := fakeState(t, 0.1)
	s.Options.InitialEpoch = 6
	s.History.Epochs = slices.Clone(full.History.Epochs[:6])
	c := newPlateau()
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	if lr := s.Optimizer.LearningRate(); lr != 0.025 {
		t.Fatalf("lr after replay %v, want 0.025", lr)
	}
	for e := 6; e < len(plateau); e++ {
		if err := c.EpochEnd(s, e, Logs{"val_loss": plateau[e]}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(c.Reductions, plateauReductions) || s.Optimizer.LearningRate() != 0.02 {
		t.Errorf("resumed: %v, lr %v", c.Reductions, s.Optimizer.LearningRate())
	}
}

func TestReduceLROnPlateauErrors(t *testing.T) {
	s := fakeState(t, 0.1)
	for _, c := range []*ReduceLROnPlateau{{Factor: 1}, {Factor: -0.5}, {Mode: "down"}} {
		if err := c.TrainBegin(s); err == nil {
			t.Errorf("%+v accepted", *c)
		}
	}
	s.Optimizer = optim.NewSGD(optim.Config{Schedule: StepDecay(0.1, 10, 0.5)}, 0, false)
	err := (&ReduceLROnPlateau{}).TrainBegin(s)
	if err == nil || !strings.Contains(err.Error(), "per-step schedule") {
		t.Errorf("reducing a scheduled rate: %v", err)
	}
}
