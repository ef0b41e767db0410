package tune

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newGraceStudy is newTestStudy with a grace period of 1/3 epoch.
func newGraceStudy(t *testing.T, dir string, n, parallel int) *Study {
	t.Helper()
	base := baseSpec(t)
	base.Fit.Epochs = 9
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(dir, base, sp, Options{Trials: n, Algorithm: "asha", Parallel: parallel, Seed: 7, Grace: 1.0 / 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runGraceStudy(t *testing.T, s *Study) string {
	t.Helper()
	r := &Runner{Study: s, Command: helperCommand("trainer"), Poll: 5 * time.Millisecond, StepsPerEpoch: fakeStepsPer}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return resultsWithoutSeconds(t, s.Dir())
}

// With --grace 1/3 the trials are compared at step 4 of 12 (1/3 epoch)
// on the running training loss read from metrics.jsonl (the fake logs
// every 5 steps: the record of step 5), and some are pruned there with
// no epoch run; the decisions do not depend on --parallel.
func TestGraceInsideAnEpoch(t *testing.T) {
	seq := newGraceStudy(t, t.TempDir(), 8, 1)
	got := runGraceStudy(t, seq)
	if par := runGraceStudy(t, newGraceStudy(t, t.TempDir(), 8, 3)); cmp.Diff(got, par) != "" {
		t.Errorf("--parallel 3 differs from --parallel 1 (-seq +par):\n%s", cmp.Diff(got, par))
	}
	if !strings.Contains(got, "|pruned|asha: running training loss ") || !strings.Contains(got, " at 1/3 epochs (step 4) worse than the best 1/3 of the ") {
		t.Errorf("want trials pruned at the rung at 1/3 epoch:\n%s", got)
	}
	if !strings.Contains(got, "|completed|") {
		t.Errorf("want completed trials:\n%s", got)
	}
	for _, tr := range seq.Trials {
		if tr.Params == nil || tr.Status == Pruned && strings.HasPrefix(tr.Reason, "diagnosis") {
			continue
		}
		if len(tr.RungSteps) != 1 || tr.RungSteps[0] != 4 || len(tr.TrainLoss) != 1 {
			t.Errorf("trial %d: rung steps %v, values %v; want step 4 and its value", tr.ID, tr.RungSteps, tr.TrainLoss)
		}
		if strings.Contains(tr.Reason, "1/3 epochs") && len(tr.ValLoss) != 0 {
			t.Errorf("trial %d pruned inside epoch 1 with %d epochs taken in", tr.ID, len(tr.ValLoss))
		}
	}
	b, err := os.ReadFile(seq.RunDir(1) + ".yaml")
	if err != nil || !strings.Contains(string(b), "metrics_every: 5") {
		t.Errorf("trial spec without metrics_every 5 (%v):\n%s", err, b)
	}
}

// A trial the diagnosis stopped is no peer at a rung inside an epoch,
// whether or not its run wrote the rung's record before it stopped.
func TestDiagnosedTrialIsNoPeerInsideAnEpoch(t *testing.T) {
	s := &Study{Algorithm: "asha", MaxEpochs: 3, Eta: 3, Grace: 1.0 / 3}
	s.Trials = []*Trial{
		{ID: 1, Status: Completed, RungSteps: []int{4}, TrainLoss: []float64{1.0}},
		{ID: 2, Status: Pruned, Reason: "diagnosis: Dead network", RungSteps: []int{4}, TrainLoss: []float64{0.1}},
		{ID: 3, Status: Pruned, Reason: "diagnosis: Loss diverges", RungSteps: []int{4}},
		{ID: 4, Status: Running, RungSteps: []int{4}},
	}
	// Against trial 1 alone the cutoff is 1.0 (with trial 2's 0.1 it
	// would be 0.4).
	if d, why := s.decideInEpoch(s.Trials[3], 0, 0.9); d != Continue {
		t.Errorf("0.9 against trial 1's 1.0: %v %s", d, why)
	}
	if d, why := s.decideInEpoch(s.Trials[3], 0, 1.1); d != Prune || !strings.Contains(why, "of the 1 trials before it there (cutoff 1)") {
		t.Errorf("1.1: %v %q", d, why)
	}
}

// Data the tuner cannot load for a study with rungs inside an epoch
// stops the study as bad input, naming the trial and --grace.
func TestGraceWithBadDataIsInputError(t *testing.T) {
	base := baseSpec(t)
	base.Data.Source = "/nonexistent"
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(t.TempDir(), base, sp, Options{Trials: 2, Algorithm: "asha", Parallel: 1, Seed: 7, Grace: 1.0 / 3})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: s, Command: helperCommand("trainer"), Poll: 5 * time.Millisecond}
	err = r.Run(context.Background())
	var bad *InputError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "trial 1: its steps per epoch, for the rungs inside an epoch (--grace 1/3): ") {
		t.Fatalf("got %v, want an InputError naming trial 1 and --grace", err)
	}
}
