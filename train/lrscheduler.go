package train

import (
	"errors"
	"fmt"

	"github.com/cnnscope/cnnscope/optim"
)

// LearningRateScheduler sets the learning rate at the start of every
// epoch, as Keras' LearningRateScheduler does: the rate becomes
// Schedule(epoch, lr), where epoch is 0-based and lr is the optimizer's
// current rate (so a schedule may also change the rate relative to it).
// The rate then stays constant for the epoch; for a rate that changes
// every step, give the optimizer a per-step Schedule instead (see
// Schedule). The two do not combine: an optimizer whose rate follows a
// per-step schedule cannot be set, and that is an error at the start of
// the fit.
//
// A resumed run calls Schedule with the epoch it resumes at, so a
// schedule of the epoch alone continues exactly; one that depends on lr
// sees the optimizer's configured rate.
type LearningRateScheduler struct {
	Nop
	Schedule func(epoch int, lr float64) float64
}

// NewLearningRateScheduler sets the rate of epoch e to s(e), ignoring the
// current rate: the per-epoch use of StepDecay, ExponentialDecay,
// CosineDecay and WarmUp, counted in epochs.
func NewLearningRateScheduler(s Schedule) *LearningRateScheduler {
	return &LearningRateScheduler{Schedule: func(epoch int, _ float64) float64 { return s(epoch) }}
}

// TrainBegin checks that there is a schedule and that the optimizer's
// rate can be set.
func (c *LearningRateScheduler) TrainBegin(s *State) error {
	if c.Schedule == nil {
		return errors.New("learning rate scheduler: no schedule")
	}
	if followsSchedule(s.Optimizer) {
		return errors.New("learning rate scheduler: " + errScheduled)
	}
	return nil
}

const errScheduled = "the optimizer's learning rate follows a per-step schedule (optim.Config.Schedule) and cannot be set; use one or the other"

// followsSchedule reports whether o's rate comes from a per-step schedule,
// which SetLearningRate does not change: it sets a probe rate and looks.
// The rate is put back (with a schedule, the base rate is unused).
func followsSchedule(o optim.Optimizer) bool {
	old := o.LearningRate()
	probe := old + 1
	if !finite(probe) {
		probe = 1
	}
	o.SetLearningRate(probe)
	scheduled := o.LearningRate() != probe
	o.SetLearningRate(old)
	return scheduled
}

// EpochBegin sets the epoch's rate.
func (c *LearningRateScheduler) EpochBegin(s *State, epoch int) error {
	lr := c.Schedule(epoch, s.Optimizer.LearningRate())
	if !finite(lr) || lr < 0 {
		return fmt.Errorf("learning rate scheduler: the schedule gave %v for epoch %d, want a finite rate >= 0", lr, epoch+1)
	}
	s.Optimizer.SetLearningRate(lr)
	return nil
}
