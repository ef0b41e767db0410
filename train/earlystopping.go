package train

import (
	"fmt"
	"math"

	"github.com/cnnscope/cnnscope/nn"
)

// EarlyStopping stops training when a monitored quantity has stopped
// improving, as Keras' EarlyStopping does. At the end of every epoch
// from StartFromEpoch on it compares the monitored value with the best so
// far: a value better than the best by more than MinDelta is an
// improvement. After Patience epochs in a row without one it stops the
// fit (never at the first epoch).
//
// The zero value monitors val_loss with Keras' defaults (min_delta 0,
// patience 0, mode auto, no baseline, no restoring).
//
// A resumed fit (Options.InitialEpoch > 0 with the earlier epochs in
// Options.History) replays the earlier epochs' logs first, so that it
// stops where the uninterrupted run would have. The weights of a best
// epoch from before the resume are not held, so they are not restored
// (RestoredEpoch stays -1); a "best" checkpoint holds them.
type EarlyStopping struct {
	Nop
	// Monitor is the logs entry to watch; "" means "val_loss".
	Monitor string
	// MinDelta is the smallest change that counts as an improvement; its
	// absolute value is used, as in Keras.
	MinDelta float64
	// Patience is the number of epochs without improvement after which
	// training stops.
	Patience int
	// Mode is "auto" (or ""), "min" or "max": whether the quantity should
	// decrease or increase. Auto maximizes names containing "acc" (and
	// auc, precision, recall, f1) and minimizes the rest.
	Mode string
	// Baseline, when set, is a value the quantity must beat: an epoch that
	// improves on the best but not on the baseline does not reset the
	// patience count.
	Baseline *float64
	// RestoreBestWeights puts back, when the fit ends, the weights (every
	// param of the model, moving statistics included) of the epoch with
	// the best value. It keeps a copy of them, updated at each new best.
	// Keras 3 restores whether or not training stopped early, and so does
	// this; with it off the model keeps the last epoch's weights.
	RestoreBestWeights bool
	// StartFromEpoch is the number of epochs to wait before watching
	// (warm-up epochs count neither as improvements nor against patience).
	StartFromEpoch int

	// Results, for reports. Epochs are 0-based (Epoch 1 in messages is 0).
	Stopped      bool    // training was stopped by this callback
	StoppedEpoch int     // the epoch after which it stopped; -1 when it did not
	Best         float64 // the best monitored value (±Inf before any)
	BestEpoch    int     // the epoch of Best; -1 before any
	// Wait is the number of epochs since the last improvement.
	Wait int
	// RestoredEpoch is the epoch whose weights were restored at the end
	// of the fit; -1 when none were.
	RestoredEpoch int

	maximize bool
	params   []nn.LayerParam
	best     snapshot
	bestAt   int // epoch of the weights in best; -1 when none
}

func (c *EarlyStopping) monitor() string {
	if c.Monitor == "" {
		return "val_loss"
	}
	return c.Monitor
}

// TrainBegin resets the state (so a value can serve several fits) and
// replays a resumed run's earlier epochs.
func (c *EarlyStopping) TrainBegin(s *State) error {
	c.bestAt = -1 // nothing for TrainEnd to restore if this fails
	max, err := MonitorMaximizes(c.monitor(), c.Mode)
	if err != nil {
		return fmt.Errorf("early stopping: %w", err)
	}
	c.maximize = max
	c.Stopped, c.StoppedEpoch, c.Wait = false, -1, 0
	c.Best, c.BestEpoch, c.RestoredEpoch = infinity(max), -1, -1
	c.params, c.best, c.bestAt = s.Model.Params(), snapshot{}, -1
	if s.History != nil {
		for e := 0; e < s.Options.InitialEpoch && e < len(s.History.Epochs); e++ {
			if v, ok := s.History.Epochs[e][c.monitor()]; ok {
				c.observe(e, v)
			}
		}
		if c.Stopped {
			// The uninterrupted run would have stopped before this point.
			c.Stopped = false
			c.StoppedEpoch = -1
		}
	}
	return nil
}

// EpochEnd applies Keras' rule to the epoch's monitored value.
func (c *EarlyStopping) EpochEnd(s *State, epoch int, logs Logs) error {
	if epoch < c.StartFromEpoch {
		return nil
	}
	v, err := monitorValue(c.monitor(), logs)
	if err != nil {
		return fmt.Errorf("early stopping: %w", err)
	}
	if c.RestoreBestWeights && c.bestAt < 0 {
		// As in Keras: until a best is held, the current weights are it.
		c.best.take(c.params)
		c.bestAt = epoch
	}
	if c.observe(epoch, v) && c.RestoreBestWeights {
		c.best.take(c.params)
		c.bestAt = epoch
	}
	if c.Stopped {
		s.StopWith(c.reason())
	}
	return nil
}

// observe applies one epoch's value and reports whether it improved.
func (c *EarlyStopping) observe(epoch int, v float64) bool {
	if epoch < c.StartFromEpoch {
		return false
	}
	c.Wait++
	if c.improves(v, c.Best) {
		c.Best, c.BestEpoch = v, epoch
		if c.Baseline == nil || c.improves(v, *c.Baseline) {
			c.Wait = 0
		}
		return true
	}
	if c.Wait >= c.Patience && epoch > 0 {
		c.Stopped, c.StoppedEpoch = true, epoch
	}
	return false
}

// improves is Keras' monitor_op(value - min_delta, reference).
func (c *EarlyStopping) improves(v, ref float64) bool {
	d := math.Abs(c.MinDelta)
	if c.maximize {
		return v-d > ref
	}
	return v+d < ref
}

func (c *EarlyStopping) reason() string {
	best := "no finite value"
	if c.BestEpoch >= 0 {
		best = fmt.Sprintf("best %s at epoch %d", fmtValue(c.Best), c.BestEpoch+1)
	}
	if c.Baseline != nil && !c.improves(c.Best, *c.Baseline) {
		return fmt.Sprintf("early stopping: %s did not beat the baseline %s in %s (%s)",
			c.monitor(), fmtValue(*c.Baseline), epochCount(c.Wait), best)
	}
	return fmt.Sprintf("early stopping: %s did not improve for %s (%s)", c.monitor(), epochCount(c.Wait), best)
}

// TrainEnd restores the best epoch's weights when RestoreBestWeights is
// set.
func (c *EarlyStopping) TrainEnd(s *State) error {
	if c.RestoreBestWeights && c.bestAt >= 0 && c.bestAt == c.bestEpochHeld() {
		c.best.restore(c.params)
		c.RestoredEpoch = c.bestAt
	}
	return nil
}

// bestEpochHeld is the epoch whose weights the snapshot should hold: the
// best epoch, or (before any best) the first watched one.
func (c *EarlyStopping) bestEpochHeld() int {
	if c.BestEpoch < 0 {
		return c.bestAt
	}
	return c.BestEpoch
}
