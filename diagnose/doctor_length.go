package diagnose

import (
	"fmt"
	"slices"
)

// How long a doctor trial trains. Each trial has the epochs of
// DoctorOptions.Epochs (2 by default), at most the spec's; a fix that sets
// fit.epochs gets twice that (the fix doubles the run: the trial doubles
// the untreated trial). A fix whose effect needs a number of optimizer
// steps (Action.Steps: BatchNormalization's moving statistics forget
// their start in ln 0.02 / ln momentum steps, bn_steps.go) gets the
// epochs those steps take at the trial's steps per epoch, so that the fix
// can show at all. Either is bounded by the epochs the fixed run itself
// would train (the spec's fit.epochs, or the fix's own) and by
// DoctorOptions.MaxEpochs; whatever is cut is said (Trial.Length,
// Trial.Capped), never silently.
const defaultMaxTrialEpochs = 50

// trialPlan is the epochs a fix's trial trains, why, and what capped it.
type trialPlan struct {
	epochs, want int
	why, capped  string
}

// planTrial works out the trial's epochs for action a. budget is the
// untreated trial's epochs, specEpochs the spec's fit.epochs, spe the
// trial's steps per epoch (0: unknown) and maxEpochs the bound.
func planTrial(a Action, budget, specEpochs, spe, maxEpochs int) trialPlan {
	p := trialPlan{want: budget}
	runEpochs := specEpochs
	if i := slices.IndexFunc(a.Edits, func(e SpecEdit) bool { return e.Path == "fit.epochs" }); i >= 0 {
		if v, ok := a.Edits[i].Value.(int); ok && v > 0 {
			runEpochs = v
		}
		p.want, p.why = 2*budget, fmt.Sprintf("twice the untreated trial's %d, as the fix lengthens the run", budget)
	}
	if a.Steps > 0 && spe > 0 {
		if need := (a.Steps + spe - 1) / spe; need > p.want {
			p.want, p.why = need, fmt.Sprintf("the fix needs about %d optimizer steps to show: %d epochs at %d steps per epoch", a.Steps, need, spe)
		}
	}
	p.epochs = p.want
	if runEpochs > 0 && p.epochs > runEpochs {
		p.epochs, p.capped = runEpochs, fmt.Sprintf("the fixed run's own fit.epochs %d", runEpochs)
	}
	if maxEpochs > 0 && p.epochs > maxEpochs {
		p.epochs, p.capped = maxEpochs, fmt.Sprintf("--max-trial-epochs %d", maxEpochs)
	}
	return p
}

// describe says in one phrase how long the trial trains and why; "" for
// the untreated trial's length without a reason to differ.
func (p trialPlan) describe() string {
	switch {
	case p.capped != "":
		return fmt.Sprintf("%d epochs, capped by %s: %s, so its effect may not show", p.epochs, p.capped, p.why)
	case p.why != "":
		return fmt.Sprintf("%d epochs: %s", p.epochs, p.why)
	}
	return ""
}
