package train

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
)

// FailedError is a run that ended without a usable final model: its loss
// or weights became NaN or ±Inf. Kept says which model the run directory
// holds instead.
type FailedError struct {
	Reason string
	Kept   string
	// Err is the error a callback ended the fit with after TerminateOnNaN
	// had stopped it (the diagnosis' --stop-on critical); nil otherwise.
	Err error
}

func (e *FailedError) Error() string { return "the run failed: " + e.Reason + " — " + e.Kept }
func (e *FailedError) Unwrap() error { return e.Err }

// finish saves the model (the last good one when the run failed),
// evaluates it, writes evaluation.json and marks run.json finished or
// failed.
func (r *runner) finish(ctx context.Context, res *RunResult) error {
	epochs := len(res.History.Epochs)
	reason, kept := r.failure(res.History), ""
	if reason != "" {
		if r.ckpt.LastGood == 0 {
			return r.fail(reason, "no model was saved: no epoch ended with a finite loss and finite weights")
		}
		if err := r.restoreLastGood(); err != nil {
			return err
		}
		epochs = r.ckpt.LastGood
		kept = fmt.Sprintf("%s holds the weights after epoch %d, the last good one", modelfile.WeightsFile, epochs)
	}
	if err := r.saveModel(r.ro.Dir, epochs); err != nil {
		return err
	}
	var err error
	if r.val != nil {
		if res.Val, err = Evaluate(ctx, r.m, r.val, r.loss, r.p.Classes, r.spec.Fit.TopK); err != nil {
			return err
		}
	}
	if r.test != nil {
		if res.Test, err = Evaluate(ctx, r.m, r.test, r.loss, r.p.Classes, r.spec.Fit.TopK); err != nil {
			return err
		}
		fmt.Fprintf(r.ro.Out, "Test: loss %.4f - accuracy %.4f (%d images)\n", res.Test.Loss, res.Test.Accuracy, res.Test.Samples)
	}
	if err := WriteEvaluation(filepath.Join(r.ro.Dir, EvaluationFile), r.id, res.Val, res.Test); err != nil {
		return err
	}
	if reason == "" {
		for _, e := range []struct {
			name string
			r    *EvalResult
		}{{"validation", res.Val}, {"test", res.Test}} {
			if e.r != nil && !finite(e.r.Loss) {
				reason = fmt.Sprintf("the final model's %s loss is %v", e.name, e.r.Loss)
				kept = modelfile.WeightsFile + " holds the final weights, which give it"
				break
			}
		}
	}
	if reason != "" {
		return r.fail(reason, kept)
	}
	now := time.Now().UTC()
	r.info.State, r.info.Ended = rundir.Finished, &now
	return r.writeInfo()
}

// failure says why the fit's final weights are not a usable model ("" when
// they are): TerminateOnNaN stopped it, the last epoch's loss is not
// finite, or a weight is not.
func (r *runner) failure(h *History) string {
	if r.nan.Terminated {
		return r.nan.Reason
	}
	if n := len(h.Epochs); n > 0 {
		logs := h.Epochs[n-1]
		for _, k := range []string{"loss", "val_loss"} {
			if v, ok := logs[k]; ok && !finite(v) {
				return fmt.Sprintf("%s is %v in epoch %d", k, v, n)
			}
		}
	}
	for _, p := range r.m.Params() {
		if !allFinite(p.Value.Data) {
			return "the final weights hold NaN/Inf, first in " + p.FullName()
		}
	}
	return ""
}

// restoreLastGood puts the weights of the last checkpoint (the last good
// epoch: ModelCheckpoint writes no other) into the model.
func (r *runner) restoreLastGood() error {
	path := filepath.Join(r.ckpt.Dir, LastCheckpoint)
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("the last good checkpoint: %w", err)
	}
	return modelfile.LoadTensors(r.m, f, "model/", path)
}

// fail marks run.json failed and returns the *FailedError.
func (r *runner) fail(reason, kept string) error {
	now := time.Now().UTC()
	r.info.State, r.info.Message, r.info.Ended = rundir.Failed, reason+" — "+kept, &now
	if err := r.writeInfo(); err != nil {
		return err
	}
	return &FailedError{Reason: reason, Kept: kept}
}
