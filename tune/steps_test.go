package tune

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// A run's steps come from diagnosis.json, else from metrics.jsonl (a run
// killed before it wrote its diagnosis), and a trial stopped inside an
// epoch counts its share of the epoch.
func TestStepEpochs(t *testing.T) {
	dir := t.TempDir()
	s := &Study{dir: dir, Trials: []*Trial{{ID: 1, Status: Pruned}, {ID: 2, Status: Pruned}, {ID: 3, Status: Pending}}}
	write := func(id int, name, content string) {
		d := s.RunDir(id)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(1, "diagnosis.json", `{"steps": 71, "facts": {"steps_per_epoch": 85}}`)
	write(2, "metrics.jsonl", `{"type":"run"}
{"type":"step","epoch":1,"step":1}
{"type":"epoch","epoch":1,"step":169}
{"type":"step","epoch":2,"step":200}
`)
	for _, tr := range s.Trials {
		s.countSteps(tr)
	}
	if tr := s.Trials[1]; tr.Steps != 200 || tr.StepsPerEpoch != 169 {
		t.Fatalf("trial 2 from metrics.jsonl: steps %d of %d per epoch, want 200 of 169", tr.Steps, tr.StepsPerEpoch)
	}
	e, exact := s.StepEpochs()
	if want := 71.0/85 + 200.0/169; !exact || e < want-1e-9 || e > want+1e-9 {
		t.Fatalf("StepEpochs = %v, %v; want %v, exact", e, exact, want)
	}
	// A trial whose run says nothing counts its history rows, not exact.
	s.Trials[2].Status = Pruned
	write(3, "history.csv", "epoch,loss,accuracy,val_loss,val_accuracy\n1,2,0.1,2,0.1\n")
	if e2, exact := s.StepEpochs(); exact || e2 < e+1-1e-9 || e2 > e+1+1e-9 {
		t.Fatalf("with trial 3 unknown: %v, %v; want %v, not exact", e2, exact, e+1)
	}
}

// A base spec's fit.tensorboard.log_dir gives each trial its own
// absolute LOGDIR/trial-NNN, so that trials' event files do not mix.
func TestTrialTensorBoardFolders(t *testing.T) {
	t.Chdir(t.TempDir())
	base := baseSpec(t)
	h := 1
	base.Fit.TensorBoard = &spec.TensorBoard{LogDir: "tb", HistogramFreq: &h}
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create("study", base, sp, Options{Trials: 3, Algorithm: "asha", Parallel: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if base.Fit.TensorBoard.LogDir != "tb" {
		t.Fatalf("Create changed the caller's base: log_dir %q", base.Fit.TensorBoard.LogDir)
	}
	abs, _ := filepath.Abs("tb")
	seen := map[string]bool{}
	for _, tr := range s.Trials {
		ts, err := spec.Load(s.RunDir(tr.ID) + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		got := ts.Fit.TensorBoard.LogDir
		want := filepath.Join(abs, "trial-00"+string(rune('0'+tr.ID)))
		if got != want || seen[got] {
			t.Fatalf("trial %d: log_dir %q, want %q (each trial its own)", tr.ID, got, want)
		}
		seen[got] = true
	}
	b, _ := os.ReadFile(filepath.Join("study", BaseFile))
	if !strings.Contains(string(b), abs) {
		t.Fatalf("base.yaml does not hold the absolute log_dir %s:\n%s", abs, b)
	}
}

// The reason a trial stopped by the diagnosis gets is the finding that
// stopped it (the run's stop_reason), not the first critical listed.
func TestCriticalFindingNamesTheStop(t *testing.T) {
	dir := t.TempDir()
	d := `{"findings": [
 {"id": "lr_too_high", "severity": "critical", "title": "Learning rate 0.137 is too high for adam", "epoch": 1, "step": 1},
 {"id": "dying_relu", "severity": "critical", "title": "Dead network: every layer below the output has a zero gradient since step 50", "epoch": 1, "step": 50}],
 "facts": {"stop_reason": "stopped on a critical finding: Dead network: every layer below the output has a zero gradient since step 50"}}`
	if err := os.WriteFile(filepath.Join(dir, "diagnosis.json"), []byte(d), 0o644); err != nil {
		t.Fatal(err)
	}
	why, epoch, _, _ := criticalFinding(dir)
	if want := "diagnosis: Dead network: every layer below the output has a zero gradient since step 50 (epoch 1, step 50)"; why != want || epoch != 1 {
		t.Errorf("got %q, %d; want %q, 1", why, epoch, want)
	}
	os.WriteFile(filepath.Join(dir, "diagnosis.json"), []byte(strings.Replace(d, `"stop_reason"`, `"other"`, 1)), 0o644)
	if why, _, _, _ := criticalFinding(dir); !strings.Contains(why, "Learning rate 0.137") {
		t.Errorf("without a stop reason: %q, want the first critical finding", why)
	}
}
