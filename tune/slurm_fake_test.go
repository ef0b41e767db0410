package tune

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSlurm stands in for Slurm's commands on PATH, so that the
// tuner's side of timings a real Slurm gives only now and then can be
// tested every time: sbatch submits job 1001 and lists its array tasks
// as pending (nothing runs: the test writes the trials' history rows
// and exit files), squeue prints the queue file the test sets (or
// hangs while a file "hang" exists), scancel records its arguments,
// scontrol knows no job.
type fakeSlurm struct{ dir string }

func newFakeSlurm(t *testing.T) *fakeSlurm {
	t.Helper()
	f := &fakeSlurm{dir: t.TempDir()}
	scripts := map[string]string{
		"sbatch": `for a in "$@"; do case $a in --array=*) ids=$(echo "${a#--array=}" | cut -d% -f1 | tr , ' ');; esac; done
: >"$D/queue.tmp"
for id in $ids; do echo "1001|$id|PENDING|Priority" >>"$D/queue.tmp"; done
mv "$D/queue.tmp" "$D/queue"
echo 1001`,
		"squeue":   `[ -e "$D/hang" ] && exec sleep 30; echo >>"$D/squeue.calls"; cat "$D/queue" 2>/dev/null; exit 0`,
		"scancel":  `echo "$@" >>"$D/scancel.args"`,
		"scontrol": `echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1`,
	}
	for name, body := range scripts {
		sh := fmt.Sprintf("#!/bin/sh\nD='%s'\n%s\n", f.dir, body)
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(sh), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", f.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return f
}

// setQueue makes squeue list lines (JOB|TASK|STATE|REASON).
func (f *fakeSlurm) setQueue(t *testing.T, lines ...string) {
	t.Helper()
	tmp := filepath.Join(f.dir, "queue.tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(f.dir, "queue")); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeSlurm) squeueCalls() int {
	b, _ := os.ReadFile(filepath.Join(f.dir, "squeue.calls"))
	return bytes.Count(b, []byte("\n"))
}

// waitPolls waits until the tuner has called squeue n more times: a
// change to the queue made before is then seen.
func (f *fakeSlurm) waitPolls(t *testing.T, n int, log *syncBuilder) {
	t.Helper()
	want := f.squeueCalls() + n
	for deadline := time.Now().Add(20 * time.Second); f.squeueCalls() < want; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the tuner did not poll squeue %d times in 20 s:\n%s", n, log.String())
		}
	}
}

// waitLog waits until the runner's log says want.
func waitLog(t *testing.T, log *syncBuilder, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(log.String(), want); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not say %q within 20 s:\n%s", want, log.String())
		}
	}
}

// finishTrial writes what a trial's task leaves: history rows with the
// val_loss values, then its exit status.
func finishTrial(t *testing.T, s *Study, id int, code int, losses ...float64) {
	t.Helper()
	writeRows(t, s, id, losses...)
	if err := os.WriteFile(exitPath(s.RunDir(id)), []byte(fmt.Sprintln(code)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeRows(t *testing.T, s *Study, id int, losses ...float64) {
	t.Helper()
	h := "epoch,loss,accuracy,val_loss,val_accuracy\n"
	for i, l := range losses {
		h += fmt.Sprintf("%d,%g,0.5,%g,0.5\n", i+1, l, l)
	}
	dir := s.RunDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "history.csv.tmp")
	if err := os.WriteFile(tmp, []byte(h), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "history.csv")); err != nil {
		t.Fatal(err)
	}
}

// fakeSlurmStudy is a 2-epoch ASHA study of n trials (one rung, after
// epoch 1) run by the fake Slurm; its Runner runs in the background,
// under a deadline, and done gets Run's error.
func fakeSlurmStudy(t *testing.T, n int) (s *Study, log *syncBuilder, done chan error) {
	t.Helper()
	base := baseSpec(t)
	base.Fit.Epochs = 2
	sp, err := ParseSpace("space.yaml", []byte(testSpace), base)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err = Create(dir, base, sp, Options{Trials: n, Algorithm: "asha", Parallel: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s.Executor, s.SlurmName = Slurm, slurmName(dir, s.Created)
	log = &syncBuilder{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	r := &Runner{Study: s, SlurmTask: []string{"true"}, Poll: 5 * time.Millisecond, Log: log}
	done = make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return s, log, done
}

// A trial whose task has exited while it waited at a rung for an
// earlier trial, and which ASHA then prunes, ends: the tuner kept such
// a child "paused" forever and polled squeue until go test's timeout
// (TestTPEUnderSlurm under CI's load, where a 2-epoch task often ends
// before the earlier trial reaches the rung).
func TestSlurmPrunedAfterExitWhileWaiting(t *testing.T) {
	f := newFakeSlurm(t)
	s, log, done := fakeSlurmStudy(t, 2)
	waitLog(t, log, "submitted as Slurm task 1001_2")
	writeRows(t, s, 2, 5)
	waitLog(t, log, "trial 2: waits at epoch 1")
	finishTrial(t, s, 2, 0, 5, 4)
	f.setQueue(t, "1001|1|RUNNING|None")
	f.waitPolls(t, 2, log) // the tuner has seen trial 2's task end
	finishTrial(t, s, 1, 0, 1, 0.5)
	f.setQueue(t)
	if err := <-done; err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if a, b := s.Trials[0], s.Trials[1]; a.Status != Completed || b.Status != Pruned || !strings.HasPrefix(b.Reason, "asha:") {
		t.Errorf("trials %s, %s %q; want completed, pruned by asha\n%s", a.Status, b.Status, b.Reason, log.String())
	}
}

// A task whose exit file is written is done though Slurm still lists it
// as completing (its node has not yet said that its processes are gone,
// which under load can take long): the tuner waited for it to leave the
// queue.
func TestSlurmCompletingWithExitFile(t *testing.T) {
	f := newFakeSlurm(t)
	s, log, done := fakeSlurmStudy(t, 1)
	waitLog(t, log, "submitted as Slurm task 1001_1")
	finishTrial(t, s, 1, 0, 1, 0.5)
	f.setQueue(t, "1001|1|COMPLETING|None")
	if err := <-done; err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if tr := s.Trials[0]; tr.Status != Completed || len(tr.ValLoss) != 2 {
		t.Errorf("trial 1: %s after %d epochs, want completed after 2\n%s", tr.Status, len(tr.ValLoss), log.String())
	}
}

// A task Slurm holds back for more than its turn is reported once for
// each reason, with the reason; a task waiting its turn is not.
func TestSlurmReportsTaskHeldBack(t *testing.T) {
	f := newFakeSlurm(t)
	s, log, done := fakeSlurmStudy(t, 1)
	waitLog(t, log, "submitted as Slurm task 1001_1")
	f.waitPolls(t, 3, log)
	f.setQueue(t, "1001|1|PENDING|launch failed requeued held")
	f.waitPolls(t, 3, log)
	f.setQueue(t, "1001|1|PENDING|ReqNodeNotAvail, UnavailableNodes:localhost")
	f.waitPolls(t, 3, log)
	finishTrial(t, s, 1, 0, 1, 0.5)
	f.setQueue(t)
	if err := <-done; err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	got := log.String()
	for _, want := range []string{
		"trial 1: Slurm task 1001_1 is PENDING: launch failed requeued held (scontrol show job 1001_1; sinfo -R)\n",
		"trial 1: Slurm task 1001_1 is PENDING: ReqNodeNotAvail, UnavailableNodes:localhost (",
	} {
		if n := strings.Count(got, want); n != 1 {
			t.Errorf("the log says %q %d times, want once:\n%s", want, n, got)
		}
	}
	if strings.Contains(got, "is PENDING: Priority") {
		t.Errorf("a task waiting its turn (Priority) is reported:\n%s", got)
	}
}

// A Slurm command that does not answer is killed after slurmTimeout and
// counts as a failed poll (the tuner says so and tries again) instead
// of blocking the tuner.
func TestSlurmCommandTimeout(t *testing.T) {
	f := newFakeSlurm(t)
	if err := os.WriteFile(filepath.Join(f.dir, "hang"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := slurmTimeout
	slurmTimeout = 200 * time.Millisecond
	t.Cleanup(func() { slurmTimeout = old })
	dir := t.TempDir()
	s := newTestStudy(t, dir, "random", 1, 1)
	s.Executor, s.SlurmName = Slurm, slurmName(dir, s.Created)
	var log syncBuilder
	e := &slurmExec{r: &Runner{Study: s, Log: &log}}
	start := time.Now()
	if err := e.check(map[int]*child{}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second || e.failures != 1 || !strings.Contains(log.String(), "no answer within 200ms (trying again)") {
		t.Errorf("squeue that hangs: %v, %d failures, log %q; want a failed poll after 200ms", took, e.failures, log.String())
	}
}
