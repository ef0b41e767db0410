package diagnose

import (
	"context"
	"errors"
	"io"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Options configure Train.
type Options struct {
	// Out receives the run's progress and the live findings (nil: none).
	Out      io.Writer
	Terminal bool
	// StopOn: Critical stops a run that cannot recover (see Monitor).
	StopOn Severity
	// Sanity overfits 32 samples before training.
	Sanity bool
	// Resume continues the run in dir from its last checkpoint.
	Resume bool
	// Overwrite replaces a run already in dir (train.RunOptions.Overwrite).
	Overwrite bool
	// OnRaise is called with each warning or critical finding as it is
	// raised (see Monitor.OnRaise).
	OnRaise func(f Finding)
}

// NewMonitor returns a monitor for a run directory.
func NewMonitor(dir string, o Options) *Monitor {
	return &Monitor{Dir: dir, Out: o.Out, Terminal: o.Terminal, StopOn: o.StopOn, Sanity: o.Sanity, OnRaise: o.OnRaise}
}

// Train runs spec into dir (train.Run) with a Monitor and returns the
// diagnosis with the run's result: the programmatic form of `cnnscope
// train`, for harnesses that train briefly and check what was found. The
// diagnosis is also in dir/diagnosis.json. A run stopped on a critical
// finding returns its diagnosis with an error wrapping
// ErrStoppedOnCritical.
func Train(ctx context.Context, spec *spec.Spec, dir string, o Options) (*Diagnosis, *train.RunResult, error) {
	m := NewMonitor(dir, o)
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	res, err := train.Run(ctx, spec, train.RunOptions{Dir: dir, Out: out, Terminal: o.Terminal,
		Callbacks: []train.Callback{m}, Setup: m.Setup, Overwrite: o.Overwrite}, o.Resume)
	var failed *train.FailedError
	if errors.As(err, &failed) {
		// A run that ended on NaN is a finding here (the diagnosis names
		// it), not a failure of the harness.
		err = nil
	}
	return m.Diagnosis(), res, err
}
