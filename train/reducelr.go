package train

import (
	"errors"
	"fmt"
	"math"
)

// ReduceLROnPlateau multiplies the learning rate by Factor when a
// monitored quantity has stopped improving for Patience epochs, as Keras'
// ReduceLROnPlateau does: at the end of every epoch a value better than
// the best by more than MinDelta resets the count; otherwise, outside a
// cooldown, the count grows, and when it reaches Patience the rate becomes
// max(lr*Factor, MinLR) (if lr is still above MinLR), the count restarts
// and Cooldown epochs follow during which nothing counts.
//
// The new rate is set with Optimizer.SetLearningRate and applies from the
// next epoch on; the epoch's logs keep the rate the epoch used under
// "lr". An optimizer whose rate follows a per-step schedule
// (optim.Config.Schedule) cannot be reduced: that is an error at the
// start of the fit (Keras fails at the first reduction).
//
// A resumed fit replays the earlier epochs' logs first (counts, best,
// reductions) and sets the rate the uninterrupted run would have.
type ReduceLROnPlateau struct {
	Nop
	// Monitor is the logs entry to watch; "" means "val_loss".
	Monitor string
	// Factor multiplies the rate at each reduction; 0 means 0.1. It must
	// be below 1.
	Factor float64
	// Patience is the number of epochs without improvement before a
	// reduction; 0 means 10 (Keras counts so that 0 and 1 act alike).
	Patience int
	// Mode is "auto" (or ""), "min" or "max"; auto maximizes names
	// containing "acc" and minimizes the rest.
	Mode string
	// MinDelta is the margin a value must beat the best by; 0 means 1e-4,
	// a negative value means no margin.
	MinDelta float64
	// Cooldown is the number of epochs after a reduction during which
	// the count stays at zero.
	Cooldown int
	// MinLR is the lowest rate a reduction may set.
	MinLR float64

	// Reductions lists every reduction made, for reports.
	Reductions []LRReduction

	maximize       bool
	best           float64
	wait, cooldown int
}

// LRReduction is one learning-rate reduction, made at the end of Epoch
// (0-based): the rate went from Old to New for the following epochs.
type LRReduction struct {
	Epoch    int
	Old, New float64
}

func (c *ReduceLROnPlateau) monitor() string {
	if c.Monitor == "" {
		return "val_loss"
	}
	return c.Monitor
}

func (c *ReduceLROnPlateau) factor() float64 {
	if c.Factor == 0 {
		return 0.1
	}
	return c.Factor
}

func (c *ReduceLROnPlateau) patience() int {
	if c.Patience == 0 {
		return 10
	}
	return c.Patience
}

func (c *ReduceLROnPlateau) minDelta() float64 {
	switch {
	case c.MinDelta == 0:
		return 1e-4
	case c.MinDelta < 0:
		return 0
	}
	return c.MinDelta
}

// TrainBegin checks the config, resets the state and replays a resumed
// run's earlier epochs.
func (c *ReduceLROnPlateau) TrainBegin(s *State) error {
	if f := c.factor(); f >= 1 || f < 0 || math.IsNaN(f) {
		return fmt.Errorf("reduce lr on plateau: factor %v, want 0 < factor < 1", c.Factor)
	}
	max, err := MonitorMaximizes(c.monitor(), c.Mode)
	if err != nil {
		return fmt.Errorf("reduce lr on plateau: %w", err)
	}
	if followsSchedule(s.Optimizer) {
		return errors.New("reduce lr on plateau: " + errScheduled)
	}
	c.maximize, c.best, c.wait, c.cooldown = max, infinity(max), 0, 0
	c.Reductions = nil
	if s.History == nil || s.Options.InitialEpoch == 0 {
		return nil
	}
	lr, replayed := 0.0, false
	for e := 0; e < s.Options.InitialEpoch && e < len(s.History.Epochs); e++ {
		logs := s.History.Epochs[e]
		v, ok := logs[c.monitor()]
		if !ok {
			continue
		}
		old, ok := logs["lr"]
		if !ok {
			continue
		}
		lr, replayed = old, true
		if r, ok := c.observe(e, v, old); ok {
			c.Reductions = append(c.Reductions, r)
			lr = r.New
		}
	}
	if replayed && len(c.Reductions) > 0 {
		s.Optimizer.SetLearningRate(lr)
	}
	return nil
}

// EpochEnd applies Keras' rule and reduces the rate when it says so.
func (c *ReduceLROnPlateau) EpochEnd(s *State, epoch int, logs Logs) error {
	v, err := monitorValue(c.monitor(), logs)
	if err != nil {
		return fmt.Errorf("reduce lr on plateau: %w", err)
	}
	r, ok := c.observe(epoch, v, s.Optimizer.LearningRate())
	if !ok {
		return nil
	}
	c.Reductions = append(c.Reductions, r)
	s.Optimizer.SetLearningRate(r.New)
	return nil
}

// observe applies one epoch's value at rate lr and returns the reduction
// it calls for, if any.
func (c *ReduceLROnPlateau) observe(epoch int, v, lr float64) (LRReduction, bool) {
	if c.cooldown > 0 {
		c.cooldown--
		c.wait = 0
	}
	d := c.minDelta()
	better := v < c.best-d
	if c.maximize {
		better = v > c.best+d
	}
	if better {
		c.best, c.wait = v, 0
		return LRReduction{}, false
	}
	if c.cooldown > 0 {
		return LRReduction{}, false
	}
	c.wait++
	if c.wait < c.patience() {
		return LRReduction{}, false
	}
	// Keras compares in float32 (its rate is a float32 variable), so a rate
	// already at MinLR is not "reduced" to MinLR again.
	if float32(lr) <= float32(c.MinLR) {
		return LRReduction{}, false
	}
	c.cooldown, c.wait = c.Cooldown, 0
	return LRReduction{Epoch: epoch, Old: lr, New: math.Max(lr*c.factor(), c.MinLR)}, true
}
