package tune

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSlurmExecutor runs a study as Slurm array tasks on a real Slurm
// (scripts/slurm-localhost.sh starts one; .ci/run does): the tuner is
// stopped once a trial has ended and a new one follows the running
// tasks again without submitting them anew; trials.csv is the local
// study's, and a trial ASHA prunes is cancelled before its last epoch.
func TestSlurmExecutor(t *testing.T) {
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("sbatch not found: no Slurm here (scripts/slurm-localhost.sh starts one)")
	}
	want := runStudy(t, newTestStudy(t, t.TempDir(), "asha", 8, 2))

	dir := t.TempDir()
	s := newTestStudy(t, dir, "asha", 8, 2)
	s.Executor, s.SlurmName = Slurm, slurmName(dir, s.Created)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("scancel", "--name="+s.SlurmName).Run() })
	// The fake trainer takes 150 ms an epoch here, so that pruned trials
	// are cancelled while they run.
	task := []string{"env", "TUNE_TEST_HELPER=slurmtask", "TUNE_TEST_EPOCH_MS=150", os.Args[0], dir}
	ctx, stop := context.WithCancel(context.Background())
	var log strings.Builder
	r := &Runner{Study: s, SlurmTask: task, Poll: 50 * time.Millisecond, Log: &log}
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	waitEnded(t, dir, 1)
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("stopped tuner: %v\n%s", err, log.String())
	}
	first, err := LoadStudy(dir)
	if err != nil {
		t.Fatal(err)
	}
	job := first.Trials[0].SlurmJob
	if job == "" || !strings.Contains(log.String(), "go on as Slurm tasks") {
		t.Fatalf("no job recorded, or no tasks left running when the tuner stopped:\n%s", log.String())
	}

	s2, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	r2 := &Runner{Study: s2, SlurmTask: task, Poll: 50 * time.Millisecond, Log: &log}
	if err := r2.Run(context.Background()); err != nil {
		t.Fatalf("resumed tuner: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "follows Slurm task "+job+"_") || strings.Contains(log.String(), "submitted") {
		t.Errorf("the resumed tuner should follow the running tasks of job %s, not submit again:\n%s", job, log.String())
	}
	if diff := cmp.Diff(want, resultsWithoutSeconds(t, dir)); diff != "" {
		t.Errorf("slurm study differs from the local one (-local +slurm):\n%s", diff)
	}
	cancelled := 0
	for _, tr := range s2.Trials {
		rows, _ := readHistory(s2.RunDir(tr.ID))
		if tr.SlurmJob != job {
			t.Errorf("trial %d ran as job %s, want %s (submitted once)", tr.ID, tr.SlurmJob, job)
		}
		if strings.HasPrefix(tr.Reason, "asha:") && len(rows) < 9 {
			cancelled++
			out, _ := os.ReadFile(filepath.Join(dir, SlurmDir, taskID(job, tr.ID)+".out"))
			if !strings.Contains(string(out), "CANCELLED") {
				t.Errorf("trial %d: pruned and stopped, but slurm's output says no CANCELLED: %q", tr.ID, out)
			}
		}
	}
	if cancelled == 0 {
		t.Errorf("no trial pruned by asha was cancelled before its last epoch:\n%s", log.String())
	}
}
