package train

import (
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/optim"
)

func TestEarlyStoppingPatience(t *testing.T) {
	s := fakeState(t, 0.1)
	c := &EarlyStopping{Patience: 3}
	// Best 0.5 at epoch 3 (1-based); epochs 4, 5, 6 do not improve.
	n := runEpochs(t, s, c, "val_loss", []float64{1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.4})
	if n != 6 || !c.Stopped || c.StoppedEpoch != 5 || c.BestEpoch != 2 || c.Best != 0.5 || c.Wait != 3 {
		t.Fatalf("ran %d epochs; stopped %v at %d, best %v at %d, wait %d", n, c.Stopped, c.StoppedEpoch, c.Best, c.BestEpoch, c.Wait)
	}
	want := "early stopping: val_loss did not improve for 3 epochs (best 0.5 at epoch 3)"
	if s.StopReason != want {
		t.Errorf("reason %q, want %q", s.StopReason, want)
	}
	if c.RestoredEpoch != -1 {
		t.Errorf("restored epoch %d without RestoreBestWeights", c.RestoredEpoch)
	}
}

func TestEarlyStoppingRules(t *testing.T) {
	base := 0.5
	for _, tc := range []struct {
		name   string
		c      *EarlyStopping
		metric string
		values []float64
		epochs int    // epochs run
		reason string // "" = not stopped
	}{
		// 0.95 is not below 1.0 by more than 0.1: no improvement.
		{"min_delta", &EarlyStopping{MinDelta: -0.1, Patience: 1}, "val_loss", []float64{1, 0.95, 0.85}, 2,
			"early stopping: val_loss did not improve for 1 epoch (best 1 at epoch 1)"},
		{"auto max for accuracy", &EarlyStopping{Monitor: "val_accuracy", Patience: 2}, "val_accuracy",
			[]float64{0.5, 0.6, 0.6, 0.59, 0.9}, 4,
			"early stopping: val_accuracy did not improve for 2 epochs (best 0.6 at epoch 2)"},
		{"mode min on accuracy", &EarlyStopping{Monitor: "val_accuracy", Mode: "min"}, "val_accuracy",
			[]float64{0.5, 0.6}, 2, "early stopping: val_accuracy did not improve for 1 epoch (best 0.5 at epoch 1)"},
		// Keras 3: improvements that miss the baseline neither reset the
		// count nor stop; the first non-improving epoch after them does.
		{"baseline", &EarlyStopping{Baseline: &base, Patience: 2}, "val_loss", []float64{0.9, 0.8, 0.7, 0.75}, 4,
			"early stopping: val_loss did not beat the baseline 0.5 in 4 epochs (best 0.7 at epoch 3)"},
		{"start from epoch", &EarlyStopping{StartFromEpoch: 1}, "val_loss", []float64{1, 4, 3, 3.5}, 4,
			"early stopping: val_loss did not improve for 1 epoch (best 3 at epoch 3)"},
		{"no start from epoch", &EarlyStopping{}, "val_loss", []float64{1, 4, 3, 3.5}, 2,
			"early stopping: val_loss did not improve for 1 epoch (best 1 at epoch 1)"},
		{"never at the first epoch", &EarlyStopping{}, "val_loss", []float64{nan(), 1, 2}, 3,
			"early stopping: val_loss did not improve for 1 epoch (best 1 at epoch 2)"},
		{"improving", &EarlyStopping{Patience: 1}, "val_loss", []float64{3, 2, 1}, 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fakeState(t, 0.1)
			n := runEpochs(t, s, tc.c, tc.metric, tc.values)
			if n != tc.epochs || s.StopReason != tc.reason {
				t.Errorf("ran %d epochs, reason %q; want %d, %q", n, s.StopReason, tc.epochs, tc.reason)
			}
		})
	}
}

func TestEarlyStoppingErrors(t *testing.T) {
	s := fakeState(t, 0.1)
	if err := (&EarlyStopping{Mode: "up"}).TrainBegin(s); err == nil {
		t.Error("mode up accepted")
	}
	c := &EarlyStopping{}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	err := c.EpochEnd(s, 0, Logs{"loss": 1, "accuracy": 0.5})
	if err == nil || err.Error() != `early stopping: monitor "val_loss" is not in the epoch's logs (they hold loss, accuracy); fit with validation data, or monitor "loss"` {
		t.Errorf("missing monitor: %v", err)
	}
}

// TestEarlyStoppingRestoresBestWeights sets every weight to the epoch
// number before each epoch end and checks the best epoch's come back.
func TestEarlyStoppingRestoresBestWeights(t *testing.T) {
	s := fakeState(t, 0.1)
	c := &EarlyStopping{Patience: 2, RestoreBestWeights: true}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	values := []float64{0.9, 0.4, 0.7, 0.3, 0.5, 0.6, 0.1}
	for e, v := range values {
		for _, p := range s.Model.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] = float32(e)
			}
		}
		if err := c.EpochEnd(s, e, Logs{"val_loss": v}); err != nil {
			t.Fatal(err)
		}
		if s.Stop {
			break
		}
	}
	if err := c.TrainEnd(s); err != nil {
		t.Fatal(err)
	}
	if c.StoppedEpoch != 5 || c.BestEpoch != 3 || c.RestoredEpoch != 3 {
		t.Fatalf("stopped at %d, best %d, restored %d; want 5, 3, 3", c.StoppedEpoch, c.BestEpoch, c.RestoredEpoch)
	}
	for _, p := range s.Model.Params() {
		for _, v := range p.Value.Data {
			if v != 3 {
				t.Fatalf("%s holds %v, want the weights of epoch index 3", p.FullName(), v)
			}
		}
	}
}

// TestEarlyStoppingFit stops a real fit after its second epoch and
// restores the first epoch's weights.
func TestEarlyStoppingFit(t *testing.T) {
	m := tinyModel(t)
	rec := &weightRecorder{}
	es := &EarlyStopping{Monitor: "loss", MinDelta: 10, Patience: 1, RestoreBestWeights: true}
	h, err := fitTiny(t, m, 5, optim.NewAdam(optim.Config{}), rec, es)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 2 || es.BestEpoch != 0 || es.RestoredEpoch != 0 {
		t.Fatalf("%d epochs, best %d, restored %d; want 2, 0, 0", len(h.Epochs), es.BestEpoch, es.RestoredEpoch)
	}
	for i, p := range m.Params() {
		if !slices.Equal(p.Value.Data, rec.epochs[0][i]) {
			t.Fatalf("%s is not the first epoch's", p.FullName())
		}
		if slices.Equal(p.Value.Data, rec.epochs[1][i]) {
			t.Fatalf("%s did not change in epoch 2", p.FullName())
		}
	}
}

// TestEarlyStoppingResume replays a resumed run's earlier epochs: it stops
// where the uninterrupted run stops.
func TestEarlyStoppingResume(t *testing.T) {
	values := []float64{1.0, 0.5, 0.6, 0.7, 0.8}
	full := fakeState(t, 0.1)
	c := &EarlyStopping{Patience: 3}
	if n := runEpochs(t, full, c, "val_loss", values); n != 5 {
		t.Fatalf("uninterrupted run: %d epochs, want 5", n)
	}
	s := fakeState(t, 0.1)
	s.Options.InitialEpoch = 3
	s.History.Epochs = full.History.Epochs[:3]
	r := &EarlyStopping{Patience: 3}
	if err := r.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	if r.Wait != 1 || r.BestEpoch != 1 {
		t.Fatalf("after replay: wait %d, best epoch %d; want 1, 1", r.Wait, r.BestEpoch)
	}
	for e := 3; e < 5 && !s.Stop; e++ {
		if err := r.EpochEnd(s, e, Logs{"val_loss": values[e]}); err != nil {
			t.Fatal(err)
		}
	}
	if s.StopReason != full.StopReason || r.StoppedEpoch != 4 {
		t.Errorf("resumed: %q at %d; uninterrupted: %q", s.StopReason, r.StoppedEpoch, full.StopReason)
	}
}

// weightRecorder keeps a copy of every param after each epoch.
type weightRecorder struct {
	Nop
	epochs [][][]float32
}

func (r *weightRecorder) EpochEnd(s *State, _ int, _ Logs) error {
	var w [][]float32
	for _, p := range s.Model.Params() {
		w = append(w, slices.Clone(p.Value.Data))
	}
	r.epochs = append(r.epochs, w)
	return nil
}
