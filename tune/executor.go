package tune

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Executors.
const (
	Local = "local" // child processes of the tuner
	Slurm = "slurm" // Slurm array tasks (sbatch --array)
)

// Executors are the --executor values.
var Executors = []string{Local, Slurm}

// executor runs trials' processes for a Runner.
type executor interface {
	// start starts the trials ts (not ended, not running) it has room
	// for besides running ones, in order, and returns their children.
	start(ts []*Trial, running int) ([]*child, error)
	// check marks the children whose process has ended.
	check(running map[int]*child) error
	// wait returns after the next event or tick, or ctx's error.
	wait(ctx context.Context, tick <-chan time.Time) error
	// leave is called as Run returns with the children still running.
	leave(running map[int]*child)
	// poll is the default interval between reads of history.csv.
	poll() time.Duration
}

// process is a trial's running process as the runner acts on it.
type process interface {
	pause() bool // false: it cannot be paused and trains on
	cont()
	terminate() // ask it to stop (train saves and exits)
}

// localExec runs trials as the tuner's child processes, at most
// Study.Parallel at once.
type localExec struct {
	r     *Runner
	exits chan exit
}

type exit struct {
	c    *child
	code int
}

type localProc struct {
	p   *os.Process
	cmd *exec.Cmd
}

func (l localProc) pause() bool { return pause(l.p) }
func (l localProc) cont()       { cont(l.p) }
func (l localProc) terminate()  { terminate(l.p) }

func (l *localExec) poll() time.Duration { return 200 * time.Millisecond }

func (l *localExec) start(ts []*Trial, running int) ([]*child, error) {
	var out []*child
	for _, t := range ts {
		if running+len(out) >= max(l.r.Study.Parallel, 1) {
			break
		}
		c, err := l.startOne(t)
		if err != nil {
			return out, err
		}
		out = append(out, c)
		go func(cmd *exec.Cmd) {
			err := cmd.Wait()
			code := 0
			if err != nil {
				code = -1
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
			}
			l.exits <- exit{c, code}
		}(c.proc.(localProc).cmd)
	}
	return out, nil
}

// startOne launches trial t's cnnscope train (or resume).
func (l *localExec) startOne(t *Trial) (*child, error) {
	r, s := l.r, l.r.Study
	args, err := s.trialArgs(t)
	if err != nil {
		return nil, err
	}
	dir := s.RunDir(t.ID)
	log, err := os.OpenFile(dir+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child holds its own descriptor
	cmd := r.Command(args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("trial %d: %v", t.ID, err)
	}
	r.logf("trial %d: %s (%s)", t.ID, args[0], paramString(t.Params))
	rows, _ := readHistory(dir) // counted by the session that saw them
	return &child{t: t, proc: localProc{cmd.Process, cmd}, started: time.Now(), seen: len(rows)}, nil
}

func (l *localExec) check(map[int]*child) error { return nil }

func (l *localExec) wait(ctx context.Context, tick <-chan time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case e := <-l.exits:
		e.c.exited, e.c.code = true, e.code
		e.c.t.Seconds += time.Since(e.c.started).Seconds()
	case <-tick:
	}
	return nil
}

// leave stops the children (SIGTERM: train saves and exits) and waits
// for them: a stopped study leaves no trial running.
func (l *localExec) leave(running map[int]*child) {
	for _, c := range running {
		if !c.exited {
			c.proc.terminate()
		}
	}
	for _, c := range running {
		for !c.exited {
			e := <-l.exits
			e.c.exited = true
		}
	}
}
