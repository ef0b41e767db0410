package train

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/internal/tfevents"
	"github.com/cnnscope/cnnscope/spec"
)

// TensorBoard writes TensorBoard event files as Keras' TensorBoard
// callback does, so that `tensorboard --logdir LogDir` shows the run:
//
//   - LogDir/train and LogDir/validation each get an event file
//     (events.out.tfevents.<unix seconds>.<hostname>; see
//     internal/tfevents for the format), validation's at the first
//     validation.
//   - After every epoch (step: the epoch, from 0), the epoch's logs as
//     scalars named "epoch_" + the log's name: epoch_loss,
//     epoch_accuracy, epoch_top_k_accuracy and epoch_learning_rate (the
//     logs' lr) in train/, and the val_ logs without their prefix
//     (epoch_loss, epoch_accuracy, ...) in validation/, which also gets
//     evaluation_loss_vs_iterations and evaluation_accuracy_vs_iterations
//     at the optimizer step.
//   - With UpdateFreq N > 0, after every N-th optimizer step (counted
//     from the start of the run, the step as TensorBoard's x axis):
//     batch_loss and batch_accuracy, the epoch's running averages so
//     far, as Keras logs them. 0 is Keras' update_freq "epoch", 1 its
//     "batch".
//   - With HistogramFreq N > 0, after epochs 0, N, 2N, ... (0-based, as
//     Keras counts them): in train/, a histogram of every weight of
//     every layer, tagged "<layer>/<weight>/histogram" (conv2d/kernel,
//     batch_normalization/moving_mean, ...), and of every trainable
//     weight's gradient, "<layer>/<weight>/gradient": the gradient of the
//     epoch's last training batch, as the optimizer used it (after
//     clipping).
//
// A resumed run adds new files beside the first ones, each starting with
// a SessionLog START event at the first optimizer step it trains (step 0
// when it starts over without a checkpoint), as TensorFlow writes one
// when a session restarts from a checkpoint: TensorBoard then drops what
// the first files hold from that step on, so the steps after the
// checkpoint, which the resumed run trains again, are shown once. (The
// purge goes by step number across tags: epoch scalars, whose step is
// the epoch, stay; a first run killed after writing an epoch's scalars
// but before its checkpoint leaves that epoch's point twice.) Files are
// created at their first value: a resumed run with nothing left to
// train writes none.
type TensorBoard struct {
	Nop
	LogDir        string
	UpdateFreq    int
	HistogramFreq int
	// Resumed marks a resumed run (also assumed when the fit starts
	// after step 0).
	Resumed bool

	on         bool
	purgeFrom  int64 // the SessionLog START step; -1: none
	train, val *tfevents.Writer
}

// Subdirectories of LogDir, as Keras names them.
const (
	TensorBoardTrainDir = "train"
	TensorBoardValDir   = "validation"
)

// CheckTensorBoardDir reports why the spec's TensorBoard directory
// could not be written (nil when it can, or without one); it creates
// nothing.
func CheckTensorBoardDir(s *spec.Spec) error {
	if tb := s.Fit.TensorBoard; tb != nil {
		if err := tfevents.CheckDir(tb.LogDir); err != nil {
			return fmt.Errorf("fit.tensorboard.log_dir: %w", err)
		}
	}
	return nil
}

// TrainBegin starts the callback; the event files come with their first
// values.
func (c *TensorBoard) TrainBegin(s *State) error {
	c.on, c.train, c.val, c.purgeFrom = true, nil, nil, -1
	switch {
	case s.Step > 0:
		c.purgeFrom = int64(s.Step) + 1
	case c.Resumed:
		c.purgeFrom = 0
	}
	return nil
}

// open returns the event file of LogDir/sub in *w, creating it (with the
// SessionLog START of a resumed run) at the first call.
func (c *TensorBoard) open(w **tfevents.Writer, sub string) (*tfevents.Writer, error) {
	if *w != nil {
		return *w, nil
	}
	now := time.Now()
	f, err := tfevents.Create(filepath.Join(c.LogDir, sub), now)
	if err != nil {
		return nil, tensorBoardError(err)
	}
	if c.purgeFrom >= 0 {
		if err := f.WriteSessionStart(now, c.purgeFrom); err != nil {
			f.Close()
			return nil, tensorBoardError(err)
		}
	}
	*w = f
	return f, nil
}

func tensorBoardError(err error) error { return fmt.Errorf("tensorboard: %w", err) }

// BatchEnd writes the batch scalars on every UpdateFreq-th step.
func (c *TensorBoard) BatchEnd(s *State, b *StepInfo) error {
	if !c.on || c.UpdateFreq <= 0 || s.Step%c.UpdateFreq != 0 {
		return nil
	}
	w, err := c.open(&c.train, TensorBoardTrainDir)
	if err != nil {
		return err
	}
	return c.write(w, int64(s.Step),
		tfevents.Value{Tag: "batch_loss", Scalar: b.EpochLoss}, tfevents.Value{Tag: "batch_accuracy", Scalar: b.EpochAccuracy})
}

// EpochEnd writes the epoch scalars and, on histogram epochs, the
// weight and gradient histograms.
func (c *TensorBoard) EpochEnd(s *State, epoch int, logs Logs) error {
	if !c.on {
		return nil
	}
	var train, val []tfevents.Value
	for _, k := range logs.Keys() {
		switch {
		case k == "epoch":
		case k == "lr":
			train = append(train, tfevents.Value{Tag: "epoch_learning_rate", Scalar: logs[k]})
		case strings.HasPrefix(k, "val_"):
			val = append(val, tfevents.Value{Tag: "epoch_" + strings.TrimPrefix(k, "val_"), Scalar: logs[k]})
		default:
			train = append(train, tfevents.Value{Tag: "epoch_" + k, Scalar: logs[k]})
		}
	}
	if c.HistogramFreq > 0 && epoch%c.HistogramFreq == 0 {
		train = append(train, histograms(s)...)
	}
	tw, err := c.open(&c.train, TensorBoardTrainDir)
	if err != nil {
		return err
	}
	if err := c.write(tw, int64(epoch), train...); err != nil {
		return err
	}
	if len(val) == 0 {
		return nil
	}
	vw, err := c.open(&c.val, TensorBoardValDir)
	if err != nil {
		return err
	}
	if err := c.write(vw, int64(epoch), val...); err != nil {
		return err
	}
	var eval []tfevents.Value
	for _, v := range val {
		eval = append(eval, tfevents.Value{Tag: "evaluation_" + strings.TrimPrefix(v.Tag, "epoch_") + "_vs_iterations", Scalar: v.Scalar})
	}
	return c.write(vw, int64(s.Step), eval...)
}

// histograms are the weights' and gradients' histograms.
func histograms(s *State) []tfevents.Value {
	var vs []tfevents.Value
	for _, p := range s.Model.Params() {
		h := tfevents.NewHistogram(p.Value.Data)
		vs = append(vs, tfevents.Value{Tag: p.FullName() + "/histogram", Histogram: &h})
		if p.Trainable && p.Grad != nil {
			g := tfevents.NewHistogram(p.Grad.Data)
			vs = append(vs, tfevents.Value{Tag: p.FullName() + "/gradient", Histogram: &g})
		}
	}
	return vs
}

func (c *TensorBoard) write(w *tfevents.Writer, step int64, vs ...tfevents.Value) error {
	if err := w.Write(time.Now(), step, vs...); err != nil {
		return tensorBoardError(err)
	}
	return nil
}

// TrainEnd closes the files.
func (c *TensorBoard) TrainEnd(*State) error {
	err := c.train.Close()
	if verr := c.val.Close(); err == nil {
		err = verr
	}
	c.train, c.val, c.on = nil, nil, false
	if err != nil {
		return tensorBoardError(err)
	}
	return nil
}
