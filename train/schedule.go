package train

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate at t, a 0-based count of optimizer
// steps or of epochs: the same schedule serves both, and where it is used
// decides which.
//
//   - Per step (Keras' keras.optimizers.schedules, what Keras recommends):
//     pass it as optim.Config.Schedule, which calls it with the optimizer's
//     iteration count before every step. The count is part of the
//     optimizer's state, so a resumed run continues the schedule exactly.
//     Steps are batches: E epochs span E × loader.Batches() steps.
//   - Per epoch (Keras' LearningRateScheduler callback): pass it to
//     NewLearningRateScheduler, which sets the rate at the start of every
//     epoch from the epoch index; the rate is constant within an epoch.
//
// The constructors panic on a non-positive step count (programmer
// misuse: callers check user input first).
type Schedule func(t int) float64

func checkSteps(what string, n int) {
	if n <= 0 {
		panic(fmt.Sprintf("train: %s must be positive, got %d", what, n))
	}
}

// StepDecay multiplies the rate by factor every dropEvery steps (or
// epochs): initial * factor^floor(t / dropEvery). It is Keras'
// ExponentialDecay(initial, dropEvery, factor, staircase=True), the
// classic "step decay" (e.g. halve every 10 epochs: StepDecay(lr, 10, 0.5)).
func StepDecay(initial float64, dropEvery int, factor float64) Schedule {
	checkSteps("StepDecay's dropEvery", dropEvery)
	return func(t int) float64 {
		return initial * math.Pow(factor, float64(t/dropEvery))
	}
}

// ExponentialDecay is Keras' ExponentialDecay: initial * rate^(t /
// decaySteps), with the exponent floored when staircase is set (then it
// equals StepDecay).
func ExponentialDecay(initial float64, decaySteps int, rate float64, staircase bool) Schedule {
	checkSteps("ExponentialDecay's decaySteps", decaySteps)
	return func(t int) float64 {
		p := float64(t) / float64(decaySteps)
		if staircase {
			p = math.Floor(p)
		}
		return initial * math.Pow(rate, p)
	}
}

// CosineDecay is Keras' CosineDecay without warm-up: the rate follows
// half a cosine from initial down to initial*alpha over decaySteps, then
// stays there:
//
//	initial * ((1-alpha) * 0.5 * (1 + cos(π * min(t, decaySteps) / decaySteps)) + alpha)
//
// For Keras' warmup_target and warmup_steps, wrap it in WarmUp.
func CosineDecay(initial float64, decaySteps int, alpha float64) Schedule {
	checkSteps("CosineDecay's decaySteps", decaySteps)
	return func(t int) float64 {
		f := float64(min(max(t, 0), decaySteps)) / float64(decaySteps)
		return initial * ((1-alpha)*0.5*(1+math.Cos(math.Pi*f)) + alpha)
	}
}

// WarmUp raises the rate linearly from start to then(0) over the first
// warmupSteps steps (or epochs), then follows then, shifted so that it
// begins where the warm-up ends:
//
//	t < warmupSteps:  start + (then(0) - start) * t / warmupSteps
//	t >= warmupSteps: then(t - warmupSteps)
//
// WarmUp(0, w, CosineDecay(target, d, alpha)) is Keras'
// CosineDecay(0, d, alpha, warmup_target=target, warmup_steps=w).
func WarmUp(start float64, warmupSteps int, then Schedule) Schedule {
	checkSteps("WarmUp's warmupSteps", warmupSteps)
	target := then(0)
	return func(t int) float64 {
		if t < warmupSteps {
			return start + (target-start)*float64(t)/float64(warmupSteps)
		}
		return then(t - warmupSteps)
	}
}
