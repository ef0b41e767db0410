package train

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// Callback observes a fit, as Keras' callbacks do. An error from any hook
// ends the fit with that error; to stop cleanly, set State.Stop (StopWith).
// Unlike Keras, TrainEnd runs however the fit ends, once for every callback
// whose TrainBegin was called, even when that TrainBegin failed: it must
// cope with a TrainBegin that stopped partway.
// Embed Nop to implement only the hooks you need.
type Callback interface {
	TrainBegin(s *State) error
	EpochBegin(s *State, epoch int) error
	// BatchEnd runs after the optimizer step of every training batch.
	BatchEnd(s *State, b *StepInfo) error
	// EpochEnd runs after validation with the epoch's logs; callbacks may
	// add entries (e.g. lr) that later callbacks and History see.
	EpochEnd(s *State, epoch int, logs Logs) error
	// TrainEnd closes what TrainBegin opened (see above).
	TrainEnd(s *State) error
}

// Nop implements every Callback hook as a no-op.
type Nop struct{}

func (Nop) TrainBegin(*State) error          { return nil }
func (Nop) EpochBegin(*State, int) error     { return nil }
func (Nop) BatchEnd(*State, *StepInfo) error { return nil }
func (Nop) EpochEnd(*State, int, Logs) error { return nil }
func (Nop) TrainEnd(*State) error            { return nil }

// State is what callbacks see of a fit in progress.
type State struct {
	Model     nn.Model
	Optimizer optim.Optimizer
	Loss      nn.Loss
	Options   *Options
	History   *History
	// Epoch is the current epoch (0-based); Step counts optimizer steps
	// since the start of the run, across epochs and resumes.
	Epoch, Step int
	// StepsPerEpoch is the number of training batches per epoch.
	StepsPerEpoch int
	// Stop ends the fit after the current batch; StopReason says why.
	Stop       bool
	StopReason string
	// Val holds the last validation result (nil before the first).
	Val *EvalResult
}

// StopWith asks the fit to stop and records why (the first reason wins).
func (s *State) StopWith(reason string) {
	if !s.Stop {
		s.Stop, s.StopReason = true, reason
	}
}

// StepInfo describes one training batch after its update.
type StepInfo struct {
	Epoch, Step int // Step: within the epoch, from 0
	Loss        float64
	// LR is the learning rate the step's update used.
	LR float64
	// Correct is the number of samples of the batch predicted right.
	Correct int
	Batch   *data.Batch
	// Output is the model's output on the batch (before the update) as
	// probabilities: with a loss from logits, their softmax (sigmoid for
	// binary_crossentropy), as nn.OutputProbabilities gives them.
	Output *tensor.Tensor
	// PerSample holds each sample's loss when Options.PerSampleLoss is set.
	PerSample []float32
	// Running averages over the epoch so far (what a progress bar shows).
	EpochLoss, EpochAccuracy float64
	Samples                  int // samples seen this epoch
}
