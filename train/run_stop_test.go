package train

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
)

// A run that a callback stops with an error at an epoch end (as the
// diagnosis' --stop-on critical does) ends like any other: the loggers
// are closed and run.json says stopped, by the callback, with its error.
// No model is saved, and resume leaves the run alone unless told to
// continue it, which then runs from the last checkpoint to the end.
func TestRunStoppedByACallbackAtAnEpochEnd(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	stopper := &hookCounter{at: "EpochEnd", epoch: 1, stop: true, err: errHook}
	res, err := Run(context.Background(), smallSpec(2), RunOptions{Dir: dir, Out: io.Discard, Callbacks: []Callback{stopper}}, false)
	if !errors.Is(err, errHook) {
		t.Fatalf("Run = %v, want the callback's error", err)
	}
	if stopper.calls["TrainEnd"] != 1 {
		t.Errorf("TrainEnd ran %d times", stopper.calls["TrainEnd"])
	}
	in := runInfo(t, dir)
	if in.State != rundir.Stopped || in.StoppedBy != rundir.StoppedByCallback || in.Message != err.Error() || in.Ended == nil {
		t.Errorf("run.json %+v, want stopped by the callback with its error", in)
	}
	if len(res.History.Epochs) != 2 || res.History.StopReason == "" {
		t.Errorf("history %+v", res.History)
	}
	b, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil || strings.Count(string(b), "\n") != 3 {
		t.Errorf("%s: %q (%v), want a header and 2 rows", HistoryFile, b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, modelfile.WeightsFile)); err == nil {
		t.Errorf("a stopped run saved %s", modelfile.WeightsFile)
	}

	res, err = resumeDir(t, dir)
	if err != nil || !res.Done || res.Info.State != rundir.Stopped {
		t.Fatalf("resume of a run a callback stopped: %+v, %v; want Done", res, err)
	}
	sp, err := spec.Load(filepath.Join(dir, SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), sp, RunOptions{Dir: dir, Out: io.Discard, ResumeStopped: true,
		Settings: map[string]string{"stop_on": "none"}}, true)
	if err != nil || res.Done || len(res.History.Epochs) != 2 {
		t.Fatalf("resume told to continue: %v, history %+v", err, res.History)
	}
	if in := runInfo(t, dir); in.State != rundir.Finished || in.StoppedBy != "" || in.Options["stop_on"] != "none" {
		t.Errorf("run.json after the resume: %+v", in)
	}
}

// An interrupted run (ctx cancelled) is marked stopped by an interrupt,
// and resume continues it without being told to.
func TestRunInterruptedIsResumed(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupt := &hookCounter{hook: func(s *State) {
		if s.Step == 3 {
			cancel()
		}
	}}
	_, err := Run(ctx, smallSpec(1), RunOptions{Dir: dir, Out: io.Discard, Callbacks: []Callback{interrupt}}, false)
	if !errors.Is(err, ErrStopped) || interrupt.calls["TrainEnd"] != 1 {
		t.Fatalf("Run = %v (TrainEnd %d times), want ErrStopped", err, interrupt.calls["TrainEnd"])
	}
	if in := runInfo(t, dir); in.State != rundir.Stopped || in.StoppedBy != rundir.StoppedByInterrupt {
		t.Errorf("run.json %+v, want stopped by an interrupt", in)
	}
	res, err := resumeDir(t, dir)
	if err != nil || res.Done || runInfo(t, dir).State != rundir.Finished {
		t.Fatalf("resume of an interrupted run: %v, Done %v, %+v", err, res != nil && res.Done, runInfo(t, dir))
	}
}
