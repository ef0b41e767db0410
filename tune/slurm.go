package tune

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// SlurmDir is the study's folder for the array task script and Slurm's
// own output files (slurm/JOB_TASK.out).
const SlurmDir = "slurm"

// squeueTolerance is how many polls in a row squeue may fail (a busy
// controller times out) before the tuner gives up (resumably).
const squeueTolerance = 60

// slurmTimeout bounds each Slurm command the tuner runs: one that has
// not answered by then (a controller that hangs) is killed and counts
// as failed, so that the tuner never waits on it silently. A variable
// for the tests only.
var slurmTimeout = time.Minute

// slurmExec runs trials as the tasks of Slurm job arrays (sbatch
// --array: the task id is the trial id, at most Parallel at once),
// follows them with squeue, cancels pruned ones with scancel, and after
// a restart follows the tasks a previous tuner submitted again. A
// trial's result is its run directory and its exit file (RunTask), both
// on the shared filesystem; Slurm's accounting is not needed.
type slurmExec struct {
	r    *Runner
	task []string
	// active maps JOB_TASK to its state and reason, for the study's
	// tasks squeue lists (pending, running, completing); byTrial is the
	// latest job listing each trial.
	active   map[string]queued
	byTrial  map[int]string
	polled   bool
	failures int
	// reported is the state and reason last logged for a task held back
	// by more than its turn (report).
	reported map[string]queued
}

// queued is a task's state and reason as squeue gives them.
type queued struct{ state, reason string }

// ordinaryReasons are why a pending task waits for its turn: any other
// reason (held, its node down or drained, the partition down...), or a
// task neither pending, running nor completing (suspended, requeued and
// held...), may need someone's action, and the tuner says so.
var ordinaryReasons = map[string]bool{"None": true, "Priority": true, "Resources": true, "JobArrayTaskLimit": true}

type slurmProc struct {
	e  *slurmExec
	id string // JOB_TASK
}

// pause: a Slurm user cannot suspend a job (scontrol suspend is the
// operators'); the trial trains on and its later epochs are taken in
// only after the decision, so the results are the same.
func (p slurmProc) pause() bool { return false }
func (p slurmProc) cont()       {}
func (p slurmProc) terminate()  { p.e.scancel(p.id) }

func taskID(job string, trial int) string { return job + "_" + strconv.Itoa(trial) }

func (e *slurmExec) poll() time.Duration { return time.Second }

func (e *slurmExec) start(ts []*Trial, running int) ([]*child, error) {
	if !e.polled {
		if err := e.squeue(); err != nil {
			return nil, err
		}
	}
	s := e.r.Study
	var out []*child
	var submit []*Trial
	for _, t := range ts {
		rows, _ := readHistory(s.RunDir(t.ID))
		c := &child{t: t, started: time.Now(), seen: len(rows)}
		job := e.byTrial[t.ID]
		if _, ok := e.active[taskID(t.SlurmJob, t.ID)]; ok {
			job = t.SlurmJob
		}
		code, exited := readExit(s.RunDir(t.ID))
		switch {
		case job != "":
			e.r.logf("trial %d: follows Slurm task %s (%s)", t.ID, taskID(job, t.ID), e.active[taskID(job, t.ID)].state)
		case exited:
			job = t.SlurmJob
			c.exited, c.code = true, code
		default:
			submit = append(submit, t)
			continue
		}
		t.SlurmJob = job
		c.proc = slurmProc{e, taskID(job, t.ID)}
		out = append(out, c)
	}
	if len(submit) == 0 {
		return out, nil
	}
	job, err := e.submit(submit)
	if err != nil {
		return out, err
	}
	for _, t := range submit {
		t.SlurmJob = job
		rows, _ := readHistory(s.RunDir(t.ID))
		out = append(out, &child{t: t, proc: slurmProc{e, taskID(job, t.ID)}, started: time.Now(), seen: len(rows)})
		e.active[taskID(job, t.ID)], e.byTrial[t.ID] = queued{"PENDING", "None"}, job
		e.r.logf("trial %d: submitted as Slurm task %s (%s)", t.ID, taskID(job, t.ID), paramString(t.Params))
	}
	return out, nil
}

// submit writes the task script and submits ts as one job array.
func (e *slurmExec) submit(ts []*Trial) (string, error) {
	s := e.r.Study
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return "", err
	}
	script := filepath.Join(dir, SlurmDir, "task.sh")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		return "", err
	}
	body := "#!/bin/sh\n# cnnscope tune: one trial of the study per Slurm array task (task id = trial id)\nexec " + shellQuote(e.task) + " \"$SLURM_ARRAY_TASK_ID\"\n"
	if err := atomicfile.WriteFile(script, func(w io.Writer) error { _, err := io.WriteString(w, body); return err }, 0o755); err != nil {
		return "", err
	}
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = strconv.Itoa(t.ID)
		os.Remove(exitPath(s.RunDir(t.ID))) // a stale one would end the new task at once
	}
	args := []string{"--parsable", fmt.Sprintf("--array=%s%%%d", strings.Join(ids, ","), max(s.Parallel, 1)),
		"--job-name=" + s.SlurmName, "--output=" + filepath.Join(dir, SlurmDir, "%A_%a.out"), "--open-mode=append"}
	if s.Threads > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(s.Threads))
	}
	args = append(append(args, s.SlurmArgs...), script)
	b, err := slurmCommand("sbatch", args...)
	if err != nil {
		return "", err
	}
	job, _, _ := strings.Cut(strings.TrimSpace(string(b)), ";")
	if _, err := strconv.ParseUint(job, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch --parsable printed %q, want a job id", b)
	}
	return job, nil
}

var squeueLine = regexp.MustCompile(`^(\d+)\|(\d+)\|([A-Z_]+)\|(.*)$`)

// squeue reads the study's tasks that are still in the queue (squeue
// lists pending, running and completing tasks; -r one line per task).
func (e *slurmExec) squeue() error {
	b, err := slurmCommand("squeue", "-h", "-r", "--name="+e.r.Study.SlurmName, "-o", "%F|%K|%T|%r")
	if err != nil {
		return err
	}
	e.active, e.byTrial, e.polled = map[string]queued{}, map[int]string{}, true
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		m := squeueLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		id, _ := strconv.Atoi(m[2])
		e.active[m[1]+"_"+m[2]] = queued{m[3], m[4]}
		if old, ok := e.byTrial[id]; !ok || len(m[1]) > len(old) || (len(m[1]) == len(old) && m[1] > old) {
			e.byTrial[id] = m[1]
		}
	}
	return nil
}

// check marks the children whose task has left the queue as exited,
// with the exit status their task wrote, and those whose task wrote it
// and is completing: Slurm lists a task as completing until its
// processes are gone and its node has said so, which under load (or
// with a process that lingers) can take long after the task's work is
// done. It reports tasks held back by more than their turn.
func (e *slurmExec) check(running map[int]*child) error {
	if err := e.squeue(); err != nil {
		e.failures++
		if e.failures == 1 {
			e.r.logf("%v (trying again)", err)
		}
		if e.failures >= squeueTolerance {
			return fmt.Errorf("%v (%d times in a row)", err, e.failures)
		}
		return nil
	}
	e.failures = 0
	for _, id := range sortedIDs(running) {
		c := running[id]
		task := taskID(c.t.SlurmJob, c.t.ID)
		if c.exited {
			continue
		}
		code, ok := readExit(e.r.Study.RunDir(c.t.ID))
		if q, listed := e.active[task]; listed && !(q.state == "COMPLETING" && ok) {
			e.report(c.t.ID, task, q)
			continue
		}
		c.exited = true
		c.t.Seconds += time.Since(c.started).Seconds()
		why := ""
		if !ok {
			code, ok, why = e.scontrolExit(task)
		}
		if ok {
			c.code = code
			continue
		}
		c.code = -1
		if !c.killed {
			c.lost = why
		}
	}
	return nil
}

// report logs, once for each state and reason, a task that Slurm holds
// back for more than its turn: without a word the tuner would seem to
// hang while the task may never run (held after a failed launch, its
// node down or drained, the partition down).
func (e *slurmExec) report(trial int, task string, q queued) {
	turn := q.state == "RUNNING" || q.state == "COMPLETING" || q.state == "PENDING" && ordinaryReasons[q.reason]
	if turn || e.reported[task] == q {
		return
	}
	if e.reported == nil {
		e.reported = map[string]queued{}
	}
	e.reported[task] = q
	e.r.logf("trial %d: Slurm task %s is %s: %s (scontrol show job %s; sinfo -R)", trial, task, q.state, q.reason, task)
}

var jobState = regexp.MustCompile(`\b(JobState|Reason|ExitCode)=(\S+)`)

// scontrolExit is a task's exit status as scontrol reports it (for
// MinJobAge after the end, 300 s by default), for when the exit file is
// not visible (an NFS client can cache its absence for a while). A task
// that did not exit by itself (cancelled, time limit, node failure) has
// none: why says what Slurm knows.
func (e *slurmExec) scontrolExit(id string) (code int, ok bool, why string) {
	how := "no longer known to scontrol"
	if b, err := slurmCommand("scontrol", "-o", "show", "job", id); err == nil {
		f := map[string]string{}
		var parts []string
		for _, m := range jobState.FindAllStringSubmatch(string(b), -1) {
			f[m[1]] = m[2]
			parts = append(parts, m[1]+"="+m[2])
		}
		st, sig, _ := strings.Cut(f["ExitCode"], ":")
		n, err := strconv.Atoi(st)
		if (f["JobState"] == "COMPLETED" || f["JobState"] == "FAILED") && sig == "0" && err == nil {
			return n, true, ""
		}
		how = strings.Join(parts, " ")
	}
	return -1, false, fmt.Sprintf("slurm: task %s ended without an exit status (%s); see %s", id, how,
		filepath.Join(e.r.Study.dir, SlurmDir, id+".out"))
}

func (e *slurmExec) scancel(id string) {
	if _, err := slurmCommand("scancel", id); err != nil {
		e.r.logf("%v", err)
	}
}

// slurmCommand runs a Slurm command and returns its output; the error
// names the command and gives its standard error, or says that it did
// not answer within slurmTimeout (it is killed; WaitDelay closes its
// output even if a process of it lingers).
func slurmCommand(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), slurmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	switch {
	case ctx.Err() != nil:
		return out, fmt.Errorf("%s %s: no answer within %v", name, strings.Join(args, " "), slurmTimeout)
	case err != nil:
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (e *slurmExec) wait(ctx context.Context, tick <-chan time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tick:
	}
	return nil
}

// leave leaves the tasks running (they are the cluster's, and a
// restarted tuner follows them again), except after the study was
// stopped for refused input: then they would all fail, and are cancelled.
func (e *slurmExec) leave(running map[int]*child) {
	var ids []string
	for _, id := range sortedIDs(running) {
		if c := running[id]; !c.exited {
			ids = append(ids, taskID(c.t.SlurmJob, c.t.ID))
		}
	}
	if len(ids) == 0 {
		return
	}
	if e.r.fatal != nil {
		for _, id := range ids {
			e.scancel(id)
		}
		return
	}
	e.r.logf("%d trials go on as Slurm tasks (%s): cnnscope tune --resume %s follows them again; scancel stops them",
		len(ids), strings.Join(ids, " "), e.r.Study.dir)
}

// shellQuote quotes args for sh.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
