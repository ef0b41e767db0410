package tune

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/spec"
)

// Runner runs a study's trials as child processes on this machine or
// as Slurm array tasks (Study.Executor).
type Runner struct {
	Study *Study
	// Command makes a child process running cnnscope with args (train
	// or resume); the runner sets its output and process attributes.
	Command func(args ...string) *exec.Cmd
	// Log gets one line per event (trial started, pruned, ended).
	Log io.Writer
	// Poll is the interval between reads of the trials' history.csv.
	Poll time.Duration

	// fatal stops the study: the first two trials to end were refused
	// by cnnscope train (exit 2), no trial trained, so none would.
	// SlurmTask is the command a Slurm array task runs, to which the
	// trial's id is appended (cnnscope: tune --slurm-task STUDY --trial).
	SlurmTask []string

	// StepsPerEpoch gives a trial spec's training steps per epoch, for
	// rungs inside an epoch (nil: from its data, as train loads it).
	StepsPerEpoch func(sp *spec.Spec) (int, error)

	exec    executor
	samples map[string]int // images per epoch by data section (inepoch.go)
	// fatal stops the study: the first two trials to end were refused
	// by cnnscope train (exit 2), no trial trained, so none would.
	fatal                 error
	refused, firstRefused int
}

// anyTrained reports whether a trial completed or was pruned.
func (s *Study) anyTrained() bool {
	for _, t := range s.Trials {
		if t.Status == Completed || t.Status == Pruned {
			return true
		}
	}
	return false
}

// InputError is trials' children refusing their input (exit status 2)
// before any trial trained: the study stops.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// child is a running trial's process.
type child struct {
	t       *Trial
	proc    process
	started time.Time
	paused  bool // waiting at a rung (a Slurm task trains on meanwhile)
	killed  bool // pruned by the study: its exit says nothing
	exited  bool
	code    int
	lost    string // why a Slurm task ended without an exit status
	seen    int    // history rows counted in EpochsSpent (or there before this child)
}

// Run runs every trial that has not ended, at most Study.Parallel at
// once, until all have ended or ctx is done (then local children are
// stopped, Slurm tasks go on, and the study can be resumed). study.json
// is saved after every event.
func (r *Runner) Run(ctx context.Context) error {
	s := r.Study
	if s.Executor == Slurm {
		if len(r.SlurmTask) == 0 {
			panic("tune: Runner.SlurmTask is empty for a slurm study")
		}
		r.exec = &slurmExec{r: r, task: r.SlurmTask}
	} else {
		r.exec = &localExec{r: r, exits: make(chan exit)}
	}
	poll := r.Poll
	if poll == 0 {
		poll = r.exec.poll()
	}
	running := map[int]*child{}
	t0 := time.Now()
	base := s.Seconds
	defer func() { r.exec.leave(running) }()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		changed, err := r.startTrials(running)
		if err != nil {
			return err
		}
		if err := r.exec.check(running); err != nil {
			return err
		}
		for _, id := range sortedIDs(running) {
			c := running[id]
			ch, err := r.advance(c)
			if err != nil {
				return err
			}
			changed = changed || ch
			if c.exited && !c.paused {
				if c.t.Ended() {
					changed = r.settle(c) || changed
				}
				if c.t.Ended() || r.finish(c) {
					s.countSteps(c.t)
					delete(running, id)
					changed = true
				}
			}
		}
		if changed {
			s.Seconds = base + time.Since(t0).Seconds()
			if err := s.Save(); err != nil {
				return err
			}
		}
		if r.fatal != nil {
			return r.fatal
		}
		if len(running) == 0 && s.next() == nil {
			return nil
		}
		if err := r.exec.wait(ctx, tick.C); err != nil {
			return err
		}
	}
}

// next is the first pending trial.
func (s *Study) next() *Trial {
	for _, t := range s.Trials {
		if t.Status == Pending {
			return t
		}
	}
	return nil
}

// startTrials starts pending trials (and, after a restart, trials that
// were running) as far as the executor has room.
func (r *Runner) startTrials(running map[int]*child) (bool, error) {
	var ts []*Trial
	for _, t := range r.Study.Trials {
		if !t.Ended() && running[t.ID] == nil {
			ts = append(ts, t)
		}
	}
	ts, drew, err := r.Study.drawTrials(ts)
	if err != nil || len(ts) == 0 {
		return drew, err
	}
	for _, t := range ts {
		if err := r.planRungs(t); err != nil {
			return drew, err
		}
	}
	started, err := r.exec.start(ts, len(running))
	for _, c := range started {
		running[c.t.ID] = c
		c.t.Status = Running
	}
	return drew || len(started) > 0, err
}

// trialArgs are the cnnscope arguments that run trial t: train into its
// new run directory, or resume the run a previous tuner (or task) left
// (a directory without spec.yaml is a run killed before it began: it is
// started again).
func (s *Study) trialArgs(t *Trial) ([]string, error) {
	dir := s.RunDir(t.ID)
	specPath := dir + ".yaml"
	if _, err := os.Stat(specPath); err != nil {
		return nil, fmt.Errorf("trial %d: %v", t.ID, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "spec.yaml")); err == nil {
		waitUnlocked(dir)
		return []string{"resume", dir}, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	stopOn := "critical"
	if s.NoDiagnosisPruning {
		stopOn = "none"
	}
	args := []string{"train", "--spec", specPath, "--out", dir, "--stop-on", stopOn}
	if s.Threads > 0 {
		args = append(args, "--threads", strconv.Itoa(s.Threads))
	}
	return args, nil
}

// advance takes in c's new history rows and values at rungs inside an
// epoch in order, deciding at each rung; it reports whether the study
// changed.
func (r *Runner) advance(c *child) (bool, error) {
	s, t := r.Study, c.t
	if t.Ended() {
		return false, nil
	}
	rows, err := readHistory(s.RunDir(t.ID))
	if err != nil {
		return false, fmt.Errorf("trial %d: %v", t.ID, err)
	}
	changed := false
	if len(rows) > c.seen {
		s.EpochsSpent += len(rows) - c.seen
		c.seen, changed = len(rows), true
	}
	for {
		d, why, took := r.nextRung(c, rows)
		if !took {
			break
		}
		if d == Wait {
			r.waitAtRung(c, why)
			return changed, nil
		}
		changed = true
		if d == Prune {
			t.Status, t.Reason = Pruned, why
			r.logf("trial %d: pruned: %s", t.ID, why)
			r.kill(c)
			return true, nil
		}
	}
	if c.paused && !c.killed {
		c.proc.cont()
		c.paused = false
	}
	return changed, nil
}

// nextRung takes in trial c's next value, if the run has written it:
// the running training loss at its next rung inside an epoch when that
// rung comes before the next history row, else the next row, and
// decides where it is at a rung (Continue elsewhere). took is false when
// there is nothing new or the trial waits (d == Wait, nothing taken in).
func (r *Runner) nextRung(c *child, rows []epochRow) (d Decision, why string, took bool) {
	s, t := r.Study, c.t
	if i := len(t.TrainLoss); i < len(t.RungSteps) {
		if epoch, _ := rungStep(s.inEpochRungs(t.Bracket)[i], 1); epoch <= len(t.ValLoss)+1 {
			v, at, ok := s.inEpochValue(t, i)
			if !ok {
				return Continue, "", false
			}
			if d, why = s.decideInEpoch(t, i, v); d == Wait {
				return Wait, fmt.Sprintf("the rung at %s epochs", epochsString(s.inEpochRungs(t.Bracket)[i])), true
			}
			if at != t.RungSteps[i] {
				r.logf("trial %d: rung at step %d read at step %d: running training loss %.4g", t.ID, t.RungSteps[i], at, v)
			}
			t.TrainLoss = append(t.TrainLoss, v)
			return d, why, true
		}
	}
	e := len(t.ValLoss) + 1
	if e > len(rows) {
		return Continue, "", false
	}
	row := rows[e-1]
	d = Continue
	if s.isRung(t.Bracket, e) {
		if d, why = s.Decide(t, e, row.loss); d == Wait {
			return Wait, fmt.Sprintf("epoch %d", e), true
		}
	}
	t.ValLoss, t.ValAccuracy = append(t.ValLoss, row.loss), append(t.ValAccuracy, row.acc)
	return d, why, true
}

// waitAtRung pauses c's process at the rung where until the trials
// before it have reached it (a Slurm task trains on).
func (r *Runner) waitAtRung(c *child, where string) {
	if c.paused || c.exited {
		return
	}
	c.paused = true
	if c.proc.pause() {
		r.logf("trial %d: paused at %s until the trials before it have reached it", c.t.ID, where)
	} else {
		r.logf("trial %d: waits at %s for the trials before it (training on meanwhile)", c.t.ID, where)
	}
}

// kill stops a pruned trial's child (saving first is the caller's: the
// study records the decision before the process goes). It no longer
// waits at a rung, even when its process has already exited (a Slurm
// task trains on while it waits): Run removes an exited child only when
// it is not paused.
func (r *Runner) kill(c *child) {
	c.killed, c.paused = true, false
	if c.exited {
		return
	}
	c.proc.terminate()
}

// settle gives a trial ASHA pruned at a rung the diagnosis' reason when
// its run, now ended, had stopped itself on a critical finding raised no
// later than that rung (in an epoch up to the rung's, or for a rung
// inside an epoch at a step up to the rung's): the run's history row (or
// step record) at the rung can reach the tuner before the run has
// stopped, and which of the two the tuner saw first must not change
// trials.csv. A run the tuner stopped keeps ASHA's reason: what its
// diagnosis says at the end depends on how far it trained past the rung
// before the signal arrived (under Slurm, after a tuner's restart, it
// may have trained on for epochs).
func (r *Runner) settle(c *child) bool {
	t := c.t
	if t.Status != Pruned || !strings.HasPrefix(t.Reason, "asha:") {
		return false
	}
	why, epoch, step, stopped := criticalFinding(r.Study.RunDir(t.ID))
	if why == "" || !stopped {
		return false
	}
	early := epoch <= len(t.ValLoss)
	if i := len(t.TrainLoss) - 1; i >= 0 && i < len(t.RungSteps) {
		// Pruned at its rung inside an epoch when that rung lies past
		// the epochs taken in.
		if e, _ := rungStep(r.Study.inEpochRungs(t.Bracket)[i], 1); e > len(t.ValLoss) {
			early = early || step > 0 && step <= t.RungSteps[i]
		}
	}
	if !early {
		return false
	}
	t.Reason = why
	r.logf("trial %d: had stopped on the diagnosis: %s", t.ID, why)
	return true
}

// finish ends the trial of an exited child whose rows are all taken in;
// false while rows remain (the next poll reads them).
func (r *Runner) finish(c *child) bool {
	s, t := r.Study, c.t
	rows, _ := readHistory(s.RunDir(t.ID))
	if len(rows) > len(t.ValLoss) {
		return false
	}
	if c.code == 0 {
		t.Status = Completed
	} else {
		t.Status, t.Reason = failure(s.RunDir(t.ID), c.code, s.RunDir(t.ID)+".log")
		if c.lost != "" && strings.HasPrefix(t.Reason, "exit status") {
			t.Reason = c.lost
		}
		if c.code == 2 && t.Status == Failed {
			r.refused++
			if r.refused >= 2 && !s.anyTrained() {
				r.fatal = &InputError{fmt.Sprintf("trial %d: cnnscope train refused its input, as it did for trial %d before: %s", t.ID, r.firstRefused, t.Reason)}
			} else if r.refused == 1 {
				r.firstRefused = t.ID
			}
		}
	}
	r.logf("trial %d: %s after %d epochs %s", t.ID, t.Status, len(t.ValLoss), t.Reason)
	return true
}

func (r *Runner) logf(format string, a ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", a...)
	}
}

func sortedIDs(m map[int]*child) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}
