package diagnose

import (
	"fmt"
	"math"
)

// How many steps BatchNormalization's moving statistics need. A moving
// mean or variance keeps momentum^steps of its initial value (0 and 1).
// Forgetting bnForgetShare of that start, ln(0.02)/ln(m) steps (38 at
// 0.9, 390 at Keras' 0.99), is enough only where a layer's variance is
// near the start's 1; the error left is judged against the variance
// itself, and a layer's batch variance can be far below 1, so the steps
// planned are those that bring the start's share under bnForgetShare of
// a variance bnVarFloor of it: ln(0.02 * 0.01 / 0.99)/ln(m), 81 steps at
// 0.9, 847 at 0.99, 8,503 at 0.999. (A stranger's mobilenet-v2-small on
// 270 training images at batch 32, 9 steps an epoch: at momentum 0.9 its
// validation accuracy stayed at chance until epoch 6 (54 steps), 0.43 at
// 63 steps, 0.73 at 72, 0.83 at 81; told 38 steps / 5 epochs. At 0.99 it
// stayed at chance for all 44 epochs, 396 steps, with 390 "needed".) The
// weights moving early in training move the target too: the estimate is
// a floor for that, not a promise.
// Training longer cures a lag only when those steps are within reach: a
// stranger's mobilenet-v2-small (momentum 0.99, 300 images, batch 32) was
// told to double its epochs at 3, 12 and 24 epochs, still 0.99^216 = 0.11
// of its start after the last; a lower momentum fixed it. When the epochs
// needed exceed bnEpochsReach times the run's, the lower momentum leads
// and the epochs given are the ones needed, not a doubling. Larger batches
// are no fix for this lag: they mean fewer steps per epoch (they are for
// noisy batch statistics on small batches, detect_bn_batch.go).
const (
	bnForgetShare = 0.02
	bnVarFloor    = 0.01
	bnEpochsReach = 2
)

// bnStepsToForget is the steps after which momentum m keeps under
// bnForgetShare of a variance bnVarFloor of the start's (0: no
// momentum).
func bnStepsToForget(m float64) int {
	return bnStepsFor(m, bnForgetShare*bnVarFloor/(1-bnVarFloor))
}

// bnStepsNearStart is the steps after which momentum m keeps under
// bnForgetShare of its start: enough where the variances are near 1.
func bnStepsNearStart(m float64) int { return bnStepsFor(m, bnForgetShare) }

// bnStepsFor is the steps after which m^steps < share (0: no momentum).
func bnStepsFor(m, share float64) int {
	if m <= 0 || m >= 1 {
		return 0
	}
	return int(math.Ceil(math.Log(share) / math.Log(m)))
}

// bnLagPlan is the arithmetic of a BatchNormalization lag: the highest
// momentum, the steps it needs, the run's steps per epoch and the epochs
// those steps take (need 0: unknown).
type bnLagPlan struct {
	mom                float64
	steps, perEpoch    int
	need, epochs, have int
}

// bnLagNeed works out bnLagPlan for the run.
func bnLagNeed(s *Signals) bnLagPlan {
	var p bnLagPlan
	p.mom, _ = bnCaughtUp(s, 0)
	p.steps = bnStepsToForget(p.mom)
	if n := len(s.Epochs); n > 0 {
		p.perEpoch = s.stepOfEpoch(n) / n
	}
	if p.perEpoch <= 0 {
		p.perEpoch = s.Facts.StepsPerEpoch
	}
	p.epochs = epochsTarget(s, 1)
	p.have = len(s.Epochs) * p.perEpoch
	if p.steps > 0 && p.perEpoch > 0 {
		p.need = (p.steps + p.perEpoch - 1) / p.perEpoch
	}
	return p
}

// bnEpochsFix is the fix that trains for the epochs the momentum needs
// ("" when unknown or not more than the spec's epochs) and that number.
func bnEpochsFix(s *Signals) (string, int) {
	p := bnLagNeed(s)
	if p.need <= 0 || p.need <= p.epochs {
		return "", 0
	}
	return fmt.Sprintf("train longer: fit.epochs: %d (--epochs %d): momentum %.3g needs about %d steps for its moving statistics to forget their start "+
		"(%d would do if the layers' variances were near the moving variance's initial 1; %d if one is a hundredth of it: mobilenet-v2-small at momentum 0.9 needed 72-81 steps, not 38); at %d steps per epoch that is %d epochs",
		p.need, p.need, p.mom, p.steps, bnStepsNearStart(p.mom), p.steps, p.perEpoch, p.need), p.need
}

// bnLagFixes are the fixes for moving statistics that lag for want of
// steps: a lower momentum first when the epochs it would take are out of
// reach (over bnEpochsReach times the run's) or the spec has layers to
// edit, else (a preset near enough) the epochs needed first. Never larger
// batches: fewer steps per epoch make this lag worse.
func bnLagFixes(s *Signals) []string {
	mom := bnMomentumFix(s)
	more, need := bnEpochsFix(s)
	p := bnLagNeed(s)
	switch {
	case presetOnly(s) && need > 0 && need <= bnEpochsReach*p.epochs:
		return nonEmpty(more, mom)
	case p.need > 0 && more == "" && (s.Live && !s.Final || mom == ""):
		// The planned epochs give the statistics their steps: no change.
		return nonEmpty(bnFinishFix(s, p), mom)
	case mom != "" || more != "":
		return nonEmpty(mom, more)
	}
	// No BatchNormalization layer known: the plain fix.
	return []string{epochsFix(s, 2)}
}

// bnFinishFix is the advice when the spec's epochs already give the
// momentum its steps: let a live run finish; an ended run stopped early.
func bnFinishFix(s *Signals, p bnLagPlan) string {
	if s.Live && !s.Final {
		return fmt.Sprintf("let the run finish: fit.epochs %d give momentum %.3g the %d steps it needs (%d epochs)", p.epochs, p.mom, p.steps, p.need)
	}
	return fmt.Sprintf("run all of fit.epochs %d: momentum %.3g needs %d steps (%d epochs), the run stopped after %d epochs (check fit.early_stopping)",
		p.epochs, p.mom, p.steps, p.need, len(s.Epochs))
}
