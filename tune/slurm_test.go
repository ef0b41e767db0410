package tune

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	needSlurm(t)
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
	var log1 syncBuilder
	r := &Runner{Study: s, SlurmTask: task, Poll: 50 * time.Millisecond, Log: &log1}
	done := make(chan error)
	go func() { done <- runUnderSlurm(ctx, r) }()
	if !endedWithin(dir, 1, time.Minute) {
		t.Fatalf("no trial ended within a minute under Slurm:\n%s\n%s", log1.String(), slurmState(s.SlurmName))
	}
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("stopped tuner: %v\n%s", err, log1.String())
	}
	first, err := LoadStudy(dir)
	if err != nil {
		t.Fatal(err)
	}
	job := first.Trials[0].SlurmJob
	if job == "" || !strings.Contains(log1.String(), "go on as Slurm tasks") {
		t.Fatalf("no job recorded, or no tasks left running when the tuner stopped:\n%s", log1.String())
	}

	s2, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuilder
	r2 := &Runner{Study: s2, SlurmTask: task, Poll: 50 * time.Millisecond, Log: &log}
	if err := runUnderSlurm(context.Background(), r2); err != nil {
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

// Without the exit file (an NFS client may not see it yet) the tuner
// takes a task's exit status from scontrol: the same trials.csv.
func TestSlurmExitStatusFromScontrol(t *testing.T) {
	needSlurm(t)
	mk := func(dir string) *Study {
		base := baseSpec(t)
		base.Fit.Epochs = 2
		sp, err := ParseSpace("space.yaml", []byte("compile.learning_rate: {choice: [0.001, 5.0]}\n"), base)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Create(dir, base, sp, Options{Trials: 2, Algorithm: "random", Parallel: 2, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := runStudy(t, mk(t.TempDir()))
	dir := t.TempDir()
	s := mk(dir)
	s.Executor, s.SlurmName = Slurm, slurmName(dir, s.Created)
	t.Cleanup(func() { exec.Command("scancel", "--name="+s.SlurmName).Run() })
	var log strings.Builder
	r := &Runner{Study: s, SlurmTask: []string{"env", "TUNE_TEST_HELPER=slurmrun", os.Args[0], dir}, Poll: 50 * time.Millisecond, Log: &log}
	if err := runUnderSlurm(context.Background(), r); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, tr := range s.Trials {
		if _, ok := readExit(s.RunDir(tr.ID)); ok {
			t.Fatalf("trial %d has an exit file: the test runs none", tr.ID)
		}
	}
	if diff := cmp.Diff(want, resultsWithoutSeconds(t, dir)); diff != "" || !strings.Contains(want, "|completed|") || !strings.Contains(want, "|pruned|diagnosis") {
		t.Errorf("want a completed and a pruned trial, as the local study (-local +slurm):\n%s\n%s", diff, want)
	}
}

// A task cancelled outside the study ends its trial as failed, with what
// Slurm says (CANCELLED) as the reason.
func TestSlurmTaskCancelledOutside(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	s := newTestStudy(t, dir, "random", 1, 1)
	s.Executor, s.SlurmName = Slurm, slurmName(dir, s.Created)
	t.Cleanup(func() { exec.Command("scancel", "--name="+s.SlurmName).Run() })
	var log syncBuilder
	r := &Runner{Study: s, SlurmTask: []string{"sleep", "30"}, Poll: 50 * time.Millisecond, Log: &log}
	done := make(chan error)
	go func() { done <- runUnderSlurm(context.Background(), r) }()
	// Running: a pending task cancelled alone leaves no trace in scontrol.
	running := func() bool {
		out, _ := exec.Command("squeue", "-h", "-r", "--name="+s.SlurmName, "-o", "%T").Output()
		return strings.TrimSpace(string(out)) == "RUNNING"
	}
	for deadline := time.Now().Add(time.Minute); !running(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not running within a minute:\n%s\n%s", log.String(), slurmState(s.SlurmName))
		}
	}
	if out, err := exec.Command("scancel", "--name="+s.SlurmName).CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	if err := <-done; err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	tr := s.Trials[0]
	if tr.Status != Failed || !strings.Contains(tr.Reason, "ended without an exit status (JobState=CANCELLED") {
		t.Errorf("trial 1: %s %q, want failed with Slurm's CANCELLED", tr.Status, tr.Reason)
	}
}

// syncBuilder is a strings.Builder safe to read while a Runner writes.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
