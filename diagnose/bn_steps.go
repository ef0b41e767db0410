package diagnose

import (
	"fmt"
	"math"
)

// How many steps BatchNormalization's moving statistics need. A moving
// mean or variance keeps momentum^steps of its initial value (0 and 1);
// it has forgotten its start when that share is under bnForgetShare:
// ln(0.02)/ln(0.99) = 390 steps at Keras' 0.99, 3,900 at 0.999, 38 at 0.9.
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
	bnEpochsReach = 2
)

// bnStepsToForget is the steps after which momentum m keeps under
// bnForgetShare of its initial statistics (0: no momentum).
func bnStepsToForget(m float64) int {
	if m <= 0 || m >= 1 {
		return 0
	}
	return int(math.Ceil(math.Log(bnForgetShare) / math.Log(m)))
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
	return fmt.Sprintf("train longer: fit.epochs: %d (--epochs %d): momentum %.3g needs about %d steps for its moving statistics to forget their start (%.3g^%d < %.2g); at %d steps per epoch that is %d epochs",
		p.need, p.need, p.mom, p.steps, p.mom, p.steps, bnForgetShare, p.perEpoch, p.need), p.need
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
