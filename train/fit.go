package train

import (
	"context"
	"errors"
	"fmt"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// Options configure a fit. The zero value of every field is Keras'
// default; Fit checks them all before the first step.
type Options struct {
	Epochs    int             // 0: 1, as in Keras
	Loss      nn.Loss         // nil: sparse categorical crossentropy
	Optimizer optim.Optimizer // nil: Adam with Keras' defaults
	Callbacks []Callback
	// Classes names the model's outputs (for per-class metrics); nil
	// takes the training data's class names, or "0", "1", ... when they
	// do not name every output.
	Classes []string
	// TopK adds top-k accuracy to the logs when > 1.
	TopK int
	// InitialEpoch starts the loop at this epoch (resume): epochs before
	// it are taken as done, and History should hold their logs.
	InitialEpoch int
	// InitialStep is the global step count at InitialEpoch (resume).
	InitialStep int
	// PerSampleLoss makes StepInfo.PerSample hold each sample's loss.
	PerSampleLoss bool
	// History to continue (resume); nil starts a new one.
	History *History
	// RunID names the run in the files callbacks write (checkpoints,
	// metrics.jsonl); "" for none.
	RunID string
}

// ErrStopped is returned (wrapped) when ctx ends the fit; the model holds
// the weights of the last completed step.
var ErrStopped = errors.New("training stopped")

// Fit trains m on train's batches for opts.Epochs epochs, validating on
// val (may be nil) after each, and returns the history. Callbacks run in
// order at every hook. A cancelled ctx stops after the current batch and
// returns an error wrapping ErrStopped together with the history so far.
//
// However the fit ends (all epochs run, a stop request, an error from a
// step, validation or any hook, a cancelled ctx), every callback whose
// TrainBegin was called gets exactly one TrainEnd, in order, before Fit
// returns; the first error is returned.
func Fit(ctx context.Context, m nn.Model, train, val *data.Loader, opts Options) (*History, error) {
	if err := opts.resolve(m, train, val); err != nil {
		return nil, err
	}
	h := opts.History
	if h == nil {
		h = &History{}
	}
	s := &State{Model: m, Optimizer: opts.Optimizer, Loss: opts.Loss, Options: &opts, History: h,
		Epoch: opts.InitialEpoch, Step: opts.InitialStep, StepsPerEpoch: train.Batches()}
	began, err := trainBegin(s)
	if err == nil {
		err = fitEpochs(ctx, s, train, val)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		why := context.Cause(ctx) // the signal, say, not "context canceled"
		if why == nil {
			why = err
		}
		err = fmt.Errorf("%w at epoch %d step %d: %v", ErrStopped, s.Epoch+1, s.Step, why)
	}
	if endErr := trainEnd(s, began); err == nil {
		err = endErr
	}
	h.StopReason = s.StopReason
	return h, err
}

// each calls f on every callback in order, stopping at the first error.
func each(s *State, f func(Callback) error) error {
	for _, c := range s.Options.Callbacks {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

// trainBegin runs the TrainBegin hooks in order until one fails, and
// returns how many were called (the failing one included: it may have
// begun what its TrainEnd closes).
func trainBegin(s *State) (int, error) {
	for i, c := range s.Options.Callbacks {
		if err := c.TrainBegin(s); err != nil {
			return i + 1, err
		}
	}
	return len(s.Options.Callbacks), nil
}

// trainEnd runs the TrainEnd hooks of the first n callbacks, all of them
// even when one fails, and returns the first error.
func trainEnd(s *State, n int) error {
	var first error
	for _, c := range s.Options.Callbacks[:n] {
		if err := c.TrainEnd(s); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// fitEpochs runs the epochs from s.Epoch until the last or a stop
// request. An epoch whose training batches ran enters the history even
// when an EpochEnd hook fails (the callbacks before it have logged it).
func fitEpochs(ctx context.Context, s *State, train, val *data.Loader) error {
	opts, h := s.Options, s.History
	for epoch := opts.InitialEpoch; epoch < opts.Epochs && !s.Stop; epoch++ {
		s.Epoch = epoch
		if err := each(s, func(c Callback) error { return c.EpochBegin(s, epoch) }); err != nil {
			return err
		}
		logs, err := runEpoch(ctx, s, train)
		if err != nil {
			return err
		}
		if s.Stop && logs == nil {
			return nil
		}
		if val != nil {
			r, err := Evaluate(ctx, s.Model, val, opts.Loss, opts.Classes, opts.TopK)
			if err != nil {
				return err
			}
			s.Val = r
			logs["val_loss"], logs["val_accuracy"] = r.Loss, r.Accuracy
			if r.TopK > 0 {
				logs["val_top_k_accuracy"] = r.TopKAccuracy
			}
		}
		logs["epoch"] = float64(epoch + 1)
		logs["lr"] = opts.Optimizer.LearningRate()
		err = each(s, func(c Callback) error { return c.EpochEnd(s, epoch, logs) })
		h.Epochs = append(h.Epochs, logs)
		if err != nil {
			return err
		}
	}
	return nil
}

// runEpoch runs one epoch's training batches and returns its logs (nil
// when a callback stopped the run before any batch finished).
func runEpoch(ctx context.Context, s *State, train *data.Loader) (Logs, error) {
	opts := s.Options
	params := s.Model.Params()
	trainable, other := splitParams(params)
	// The forward pass updates BatchNormalization's moving statistics
	// before the loss is known: keep those of the last good step.
	var moving snapshot
	moving.take(other)
	it := train.Epoch(s.Epoch)
	defer it.Close()
	var lossSum float64
	var correct, topk, seen int
	var per []float32
	var probs *tensor.Tensor // the output as probabilities, for a loss from logits
	info := &StepInfo{Epoch: s.Epoch}
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		if err := ctx.Err(); err != nil {
			b.Release()
			return nil, err
		}
		n := len(b.Labels)
		if opts.PerSampleLoss {
			if cap(per) < n {
				per = make([]float32, n)
			}
			per = per[:n]
		}
		loss, out := s.Model.Gradients(b.X, nn.Target{Labels: b.Labels}, b.Weights, opts.Loss, per)
		lr := opts.Optimizer.LearningRate()
		// A non-finite loss or gradient would poison the weights and the
		// optimizer's slots: skip that update, and put back the moving
		// statistics the forward pass changed (TerminateOnNaN reports it).
		if finite(loss) && gradsFinite(trainable) {
			opts.Optimizer.Step(params)
			moving.take(other)
		} else {
			moving.restore(other)
		}
		d := len(out.Data) / n
		c := 0
		for i := 0; i < n; i++ {
			row := out.Data[i*d : (i+1)*d]
			if argmax(row) == int(b.Labels[i]) {
				c++
			}
			if opts.TopK > 1 && inTopK(row, int(b.Labels[i]), opts.TopK) {
				topk++
			}
		}
		correct += c
		seen += n
		lossSum += loss * float64(n)
		s.Step++
		probs = nn.OutputProbabilities(opts.Loss, out, probs)
		*info = StepInfo{Epoch: s.Epoch, Step: b.Step, Loss: loss, LR: lr, Correct: c, Batch: b, Output: probs, PerSample: per,
			EpochLoss: lossSum / float64(seen), EpochAccuracy: float64(correct) / float64(seen), Samples: seen}
		err := each(s, func(cb Callback) error { return cb.BatchEnd(s, info) })
		b.Release()
		if err != nil {
			return nil, err
		}
		if s.Stop {
			break
		}
	}
	if seen == 0 {
		return nil, nil
	}
	logs := Logs{"loss": lossSum / float64(seen), "accuracy": float64(correct) / float64(seen)}
	if opts.TopK > 1 {
		logs["top_k_accuracy"] = float64(topk) / float64(seen)
	}
	return logs, nil
}

// gradsFinite reports whether every gradient is free of NaN and ±Inf.
func gradsFinite(ps []nn.LayerParam) bool {
	for _, p := range ps {
		if !allFinite(p.Grad.Data) {
			return false
		}
	}
	return true
}
