package tune

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func t0ctx() context.Context { return context.Background() }

const testSpace = `
compile.learning_rate: {loguniform: [1e-5, 10]}
fit.batch_size: {choice: [16, 32, 64]}
`

// newTestStudy creates a study of n trials over a 9-epoch base.
func newTestStudy(t *testing.T, dir, algorithm string, n, parallel int) *Study {
	t.Helper()
	base := baseSpec(t)
	base.Fit.Epochs = 9
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(dir, base, sp, Options{Trials: n, Algorithm: algorithm, Parallel: parallel, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runStudy(t *testing.T, s *Study) string {
	t.Helper()
	r := &Runner{Study: s, Command: helperCommand("trainer"), Poll: 5 * time.Millisecond}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return resultsWithoutSeconds(t, s.Dir())
}

// resultsWithoutSeconds is trials.csv without its timing columns.
func resultsWithoutSeconds(t *testing.T, dir string) string {
	t.Helper()
	s, base, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteResults(base); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, TrialsCSV))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, r := range recs {
		var keep []string
		for i, f := range r {
			if !slices.Contains(TimingColumns, recs[0][i]) {
				keep = append(keep, f)
			}
		}
		out.WriteString(strings.Join(keep, "|") + "\n")
	}
	return out.String()
}

func TestASHAPrunesAndIsIndependentOfParallel(t *testing.T) {
	seq := runStudy(t, newTestStudy(t, t.TempDir(), "asha", 8, 1))
	par := runStudy(t, newTestStudy(t, t.TempDir(), "asha", 8, 3))
	if diff := cmp.Diff(seq, par); diff != "" {
		t.Errorf("--parallel 3 differs from --parallel 1 (-seq +par):\n%s", diff)
	}
	var completed, asha, diag int
	for _, line := range strings.Split(seq, "\n") {
		switch {
		case strings.Contains(line, "|completed|"):
			completed++
		case strings.Contains(line, "|pruned|asha:"):
			asha++
		case strings.Contains(line, "|pruned|diagnosis: Loss diverges (epoch 1, step 3)|0|"):
			diag++
		}
	}
	if completed == 0 || asha == 0 || diag == 0 || completed+asha+diag != 8 {
		t.Errorf("want completed, asha-pruned and diagnosis-pruned trials, got %d/%d/%d:\n%s", completed, asha, diag, seq)
	}
}

func TestNoDiagnosisPruningSpendsMore(t *testing.T) {
	with := newTestStudy(t, t.TempDir(), "asha", 8, 2)
	runStudy(t, with)
	base := baseSpec(t)
	base.Fit.Epochs = 9
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(t.TempDir(), base, sp, Options{Trials: 8, Algorithm: "asha", Parallel: 2, Seed: 7, NoDiagnosisPruning: true})
	if err != nil {
		t.Fatal(err)
	}
	got := runStudy(t, s)
	if strings.Contains(got, "|diagnosis:") || !strings.Contains(got, "|pruned|asha: val_loss is not finite at epoch 1|1||") {
		t.Errorf("without diagnosis pruning want the lr >= 1 trial pruned by ASHA at its NaN epoch 1:\n%s", got)
	}
	// The epochs the decisions took in (EpochsSpent adds those a trial
	// ran before its kill arrived: a matter of timing).
	if a, b := takenIn(t, s.Dir()), takenIn(t, with.Dir()); a <= b {
		t.Errorf("epochs taken in: %d without diagnosis pruning, %d with", a, b)
	}
}

func takenIn(t *testing.T, dir string) int {
	t.Helper()
	s, err := LoadStudy(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tr := range s.Trials {
		n += len(tr.ValLoss)
	}
	return n
}

func TestRandomRunsEveryTrialToTheEnd(t *testing.T) {
	got := runStudy(t, newTestStudy(t, t.TempDir(), "random", 3, 2))
	for _, line := range strings.Split(strings.TrimSpace(got), "\n")[1:] {
		if !strings.Contains(line, "|completed||9|") && !strings.Contains(line, "|pruned|diagnosis:") {
			t.Errorf("random trial not run to 9 epochs: %s", line)
		}
	}
}

func TestKilledTunerResumes(t *testing.T) {
	want := runStudy(t, newTestStudy(t, t.TempDir(), "hyperband", 8, 2))
	dir := t.TempDir()
	newTestStudy(t, dir, "hyperband", 8, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 5 {
		cmd := helperCommand("tuner")(dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill i comes after trial i has ended (at a random moment
		// after that), so the kills are spread over the study.
		waitEnded(t, dir, i)
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := LoadStudy(dir); err != nil {
			t.Fatalf("kill %d: %v", i+1, err)
		}
	}
	cmd := helperCommand("tuner")(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("resumed tuner: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, resultsWithoutSeconds(t, dir)); diff != "" {
		t.Errorf("killed 5 times and resumed differs from uninterrupted (-want +got):\n%s", diff)
	}
	_ = exec.ErrNotFound
}

func TestLockRefusesASecondTuner(t *testing.T) {
	dir := t.TempDir()
	release, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir); err == nil || !strings.Contains(err.Error(), "another cnnscope tune") {
		t.Errorf("second lock: %v", err)
	}
	release()
	release2, err := Lock(dir)
	if err != nil {
		t.Errorf("after release: %v", err)
	} else {
		release2()
	}
}

func TestRefusedInputStopsTheStudy(t *testing.T) {
	base := baseSpec(t)
	base.Data.Source = "/nonexistent"
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(t.TempDir(), base, sp, Options{Trials: 5, Algorithm: "asha", Parallel: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: s, Command: helperCommand("trainer"), Poll: 5 * time.Millisecond}
	err = r.Run(context.Background())
	var bad *InputError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), `data.source "/nonexistent": not a folder`) {
		t.Fatalf("got %v, want an InputError with the child's message", err)
	}
	if s.Trials[0].Status != Failed || s.Trials[1].Status != Failed || s.Trials[4].Status != Pending {
		t.Errorf("statuses %s %s %s, want failed failed pending", s.Trials[0].Status, s.Trials[1].Status, s.Trials[4].Status)
	}
}

// waitEnded waits until n trials of the study in dir have ended.
func waitEnded(t *testing.T, dir string, n int) {
	t.Helper()
	if !endedWithin(dir, n, time.Minute) {
		t.Fatalf("%d trials did not end within a minute", n)
	}
}

// endedWithin reports whether n trials of the study in dir have ended
// within d.
func endedWithin(dir string, n int, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s, err := LoadStudy(dir)
		if err != nil {
			continue
		}
		ended := 0
		for _, tr := range s.Trials {
			if tr.Ended() {
				ended++
			}
		}
		if ended >= n {
			return true
		}
	}
	return false
}
