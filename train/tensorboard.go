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
// A resumed run adds new files beside the first ones; the epochs and
// steps after the checkpoint it resumes from are written again there.
type TensorBoard struct {
	Nop
	LogDir        string
	UpdateFreq    int
	HistogramFreq int

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

// TrainBegin creates the train/ event file.
func (c *TensorBoard) TrainBegin(*State) error {
	w, err := tfevents.Create(filepath.Join(c.LogDir, TensorBoardTrainDir), time.Now())
	if err != nil {
		return tensorBoardError(err)
	}
	c.train, c.val = w, nil
	return nil
}

func tensorBoardError(err error) error { return fmt.Errorf("tensorboard: %w", err) }

// BatchEnd writes the batch scalars on every UpdateFreq-th step.
func (c *TensorBoard) BatchEnd(s *State, b *StepInfo) error {
	if c.train == nil || c.UpdateFreq <= 0 || s.Step%c.UpdateFreq != 0 {
		return nil
	}
	return c.write(c.train, int64(s.Step),
		tfevents.Value{Tag: "batch_loss", Scalar: b.EpochLoss}, tfevents.Value{Tag: "batch_accuracy", Scalar: b.EpochAccuracy})
}

// EpochEnd writes the epoch scalars and, on histogram epochs, the
// weight and gradient histograms.
func (c *TensorBoard) EpochEnd(s *State, epoch int, logs Logs) error {
	if c.train == nil {
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
	if err := c.write(c.train, int64(epoch), train...); err != nil {
		return err
	}
	if len(val) == 0 {
		return nil
	}
	if c.val == nil {
		w, err := tfevents.Create(filepath.Join(c.LogDir, TensorBoardValDir), time.Now())
		if err != nil {
			return tensorBoardError(err)
		}
		c.val = w
	}
	if err := c.write(c.val, int64(epoch), val...); err != nil {
		return err
	}
	var eval []tfevents.Value
	for _, v := range val {
		eval = append(eval, tfevents.Value{Tag: "evaluation_" + strings.TrimPrefix(v.Tag, "epoch_") + "_vs_iterations", Scalar: v.Scalar})
	}
	return c.write(c.val, int64(s.Step), eval...)
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
	c.train, c.val = nil, nil
	if err != nil {
		return tensorBoardError(err)
	}
	return nil
}
