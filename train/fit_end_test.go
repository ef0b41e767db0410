package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/rundir"
)

// hookCounter counts the hooks a fit called on it. At the first call of
// the hook named at in epoch epoch (any epoch for TrainBegin and
// TrainEnd), it asks the fit to stop when stop is set and returns err.
type hookCounter struct {
	at    string
	epoch int
	stop  bool
	err   error
	calls map[string]int
	hook  func(s *State) // called at every BatchEnd
}

var errHook = errors.New("hook failed")

func (c *hookCounter) call(s *State, hook string, epoch int) error {
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[hook]++
	anyEpoch := hook == "TrainBegin" || hook == "TrainEnd"
	if hook != c.at || epoch != c.epoch && !anyEpoch || c.calls[hook+"!"] > 0 {
		return nil
	}
	c.calls[hook+"!"]++
	if c.stop {
		s.StopWith("stopped by the test at " + hook)
	}
	return c.err
}

func (c *hookCounter) TrainBegin(s *State) error              { return c.call(s, "TrainBegin", 0) }
func (c *hookCounter) EpochBegin(s *State, e int) error       { return c.call(s, "EpochBegin", e) }
func (c *hookCounter) EpochEnd(s *State, e int, _ Logs) error { return c.call(s, "EpochEnd", e) }
func (c *hookCounter) TrainEnd(s *State) error                { return c.call(s, "TrainEnd", 0) }
func (c *hookCounter) BatchEnd(s *State, b *StepInfo) error {
	if c.hook != nil {
		c.hook(s)
	}
	return c.call(s, "BatchEnd", b.Epoch)
}

// Every way a fit can end runs TrainEnd once on each callback whose
// TrainBegin was called (the one that failed included), closes the
// loggers' files, keeps the epochs that ran, and returns the first error.
func TestFitEndsEveryWayWithOneTrainEnd(t *testing.T) {
	cases := []struct {
		name     string
		cb       hookCounter
		cancelAt int   // cancel the context after this step (0: never)
		poisonAt int   // make a weight NaN after this step (0: never)
		wantErr  error // nil: none
		by       string
		epochs   int // in the history
		after    int // TrainBegin and TrainEnd calls of the callback after the failing one
		reason   bool
	}{
		{name: "all epochs", epochs: 2, after: 1},
		{name: "TrainBegin error", cb: hookCounter{at: "TrainBegin", err: errHook}, wantErr: errHook, by: rundir.StoppedByError},
		{name: "EpochBegin error", cb: hookCounter{at: "EpochBegin", epoch: 1, err: errHook}, wantErr: errHook, by: rundir.StoppedByError, epochs: 1, after: 1},
		{name: "BatchEnd error", cb: hookCounter{at: "BatchEnd", err: errHook}, wantErr: errHook, by: rundir.StoppedByError, after: 1},
		{name: "EpochEnd error", cb: hookCounter{at: "EpochEnd", err: errHook}, wantErr: errHook, by: rundir.StoppedByError, epochs: 1, after: 1},
		{name: "EpochEnd stop with an error", cb: hookCounter{at: "EpochEnd", stop: true, err: errHook}, wantErr: errHook, by: rundir.StoppedByCallback, epochs: 1, after: 1, reason: true},
		{name: "BatchEnd stop with an error", cb: hookCounter{at: "BatchEnd", epoch: 1, stop: true, err: errHook}, wantErr: errHook, by: rundir.StoppedByCallback, epochs: 1, after: 1, reason: true},
		{name: "BatchEnd stop request", cb: hookCounter{at: "BatchEnd", stop: true}, epochs: 1, after: 1, reason: true},
		{name: "EpochEnd stop request", cb: hookCounter{at: "EpochEnd", stop: true}, epochs: 1, after: 1, reason: true},
		{name: "TrainEnd error", cb: hookCounter{at: "TrainEnd", err: errHook}, wantErr: errHook, by: rundir.StoppedByError, epochs: 2, after: 1},
		{name: "cancelled", cancelAt: 3, wantErr: ErrStopped, by: rundir.StoppedByInterrupt, after: 1},
		{name: "NaN", poisonAt: 8, epochs: 2, after: 1, reason: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			before, failing, after := &hookCounter{}, &tc.cb, &hookCounter{}
			failing.hook = func(s *State) {
				if s.Step == tc.cancelAt {
					cancel()
				}
				if s.Step == tc.poisonAt {
					paramNamed(s.Model, "dense/kernel").Value.Data[0] = float32(math.NaN())
				}
			}
			metrics := &MetricsLogger{Path: filepath.Join(dir, MetricsFile), Every: 1}
			csv := NewCSVLogger(filepath.Join(dir, HistoryFile), false)
			tr, va := tinyLoaders(t, 48, 8) // 6 steps an epoch
			h, err := Fit(ctx, tinyModel(t, 4), tr, va, Options{Epochs: 2, Optimizer: optim.NewSGD(optim.Config{LearningRate: 0.1}, 0, false),
				Callbacks: []Callback{before, &TerminateOnNaN{}, metrics, csv, failing, after}})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Fit = %v, want %v", err, tc.wantErr)
			}
			if by := StoppedBy(err, h); err != nil && by != tc.by {
				t.Errorf("StoppedBy = %q, want %q", by, tc.by)
			}
			if h == nil || len(h.Epochs) != tc.epochs || (h.StopReason != "") != tc.reason {
				t.Fatalf("history %+v, want %d epochs, a stop reason: %v", h, tc.epochs, tc.reason)
			}
			for name, c := range map[string]*hookCounter{"before": before, "failing": failing} {
				if c.calls["TrainEnd"] != 1 {
					t.Errorf("%s callback: TrainEnd called %d times, want 1", name, c.calls["TrainEnd"])
				}
			}
			if after.calls["TrainBegin"] != tc.after || after.calls["TrainEnd"] != tc.after {
				t.Errorf("callback after the failing one: TrainBegin %d, TrainEnd %d times, want %d",
					after.calls["TrainBegin"], after.calls["TrainEnd"], tc.after)
			}
			if metrics.f != nil || csv.f != nil {
				t.Error("a logger's file is still open")
			}
			if tc.epochs > 0 {
				b, err := os.ReadFile(filepath.Join(dir, HistoryFile))
				if rows := strings.Count(string(b), "\n") - 1; err != nil || rows != tc.epochs {
					t.Errorf("%s: %d rows (%v), want %d", HistoryFile, rows, err, tc.epochs)
				}
			}
		})
	}
}

// The epoch whose EpochEnd fails is not seen by the callbacks after the
// failing one (ModelCheckpoint, last, does not save it).
func TestFitEpochEndErrorSkipsLaterCallbacks(t *testing.T) {
	failing, after := &hookCounter{at: "EpochEnd", stop: true, err: errHook}, &hookCounter{}
	_, err := fitTiny(t, tinyModel(t), 2, optim.NewSGD(optim.Config{LearningRate: 0.1}, 0, false), failing, after)
	if !errors.Is(err, errHook) {
		t.Fatalf("Fit = %v", err)
	}
	if after.calls["EpochEnd"] != 0 || after.calls["EpochBegin"] != 1 || after.calls["TrainEnd"] != 1 {
		t.Errorf("the callback after the failing one saw %v", after.calls)
	}
}
