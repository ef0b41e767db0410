package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cnnscope/cnnscope/rundir"
)

// stopped records a run whose fit (or Setup) ended with err instead of
// running its epochs out, and returns the error to report.
//
// A run TerminateOnNaN had stopped when a callback ended it (the
// diagnosis' --stop-on critical stops on NaN too) fails as it would have
// without that callback: finish keeps the last good model and marks it
// failed (the *FailedError wraps err). Any other run is marked stopped, with err as the message and
// what stopped it (rundir.StoppedBy*); its model is not saved: the
// checkpoints hold the last epochs that ended well.
func (r *runner) stopped(ctx context.Context, res *RunResult, err error) error {
	if r.nan != nil && r.nan.Terminated && !errors.Is(err, ErrStopped) && res.History != nil {
		ferr := r.finish(ctx, res)
		var failed *FailedError
		if errors.As(ferr, &failed) {
			failed.Err = err
		}
		return ferr
	}
	by := StoppedBy(err, res.History)
	now := time.Now().UTC()
	r.info.State, r.info.StoppedBy, r.info.Message, r.info.Ended = rundir.Stopped, by, err.Error(), &now
	if werr := r.writeInfo(); werr != nil {
		return fmt.Errorf("%w (and %s was not updated: %v)", err, RunInfoFile, werr)
	}
	return err
}

// StoppedBy says what ended a fit that returned err with history h: an
// interrupt (err wraps ErrStopped), a callback that asked the fit to stop
// (h.StopReason) and returned an error, or another error.
func StoppedBy(err error, h *History) string {
	switch {
	case errors.Is(err, ErrStopped):
		return rundir.StoppedByInterrupt
	case h != nil && h.StopReason != "":
		return rundir.StoppedByCallback
	}
	return rundir.StoppedByError
}

// ended reports whether resume should not run the run again: it finished,
// failed, or a callback stopped it (unless RunOptions.ResumeStopped).
func (r *runner) ended() bool {
	switch r.info.State {
	case rundir.Finished, rundir.Failed:
		return true
	case rundir.Stopped:
		return r.info.StoppedBy == rundir.StoppedByCallback && !r.ro.ResumeStopped
	}
	return false
}
