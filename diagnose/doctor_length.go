package diagnose

import (
	"fmt"
	"slices"
)

// How long a doctor trial trains. The untreated trial has the epochs of
// DoctorOptions.Epochs when given (even past the spec's fit.epochs: the
// trial's spec raises them), else 2 at most the spec's. A fix that sets
// fit.epochs gets twice that (the fix doubles the run: the trial doubles
// the untreated trial). A fix whose effect needs a number of optimizer
// steps (Action.Steps: BatchNormalization's moving statistics forget
// their start in ln 0.02 / ln momentum steps, bn_steps.go) gets the
// epochs those steps take at the trial's steps per epoch, so that the fix
// can show at all, whatever the run's own fit.epochs: the trial's spec
// raises fit.epochs, and the output says so. Either is bounded by a
// fix's own fit.epochs (the length it proposes) and by
// DoctorOptions.MaxEpochs; whatever is cut is said (Trial.Length,
// Trial.Capped), never silently.
const defaultMaxTrialEpochs = 50

// trialPlan is the epochs a fix's trial trains, why, what capped it, and
// the fixed run's own epochs (0: unknown).
type trialPlan struct {
	epochs, want, budget, runEpochs int
	why, capped                     string
	lengthens                       bool // the fix sets fit.epochs itself
}

// planTrial works out the trial's epochs for action a. budget is the
// untreated trial's epochs, specEpochs the spec's fit.epochs, spe the
// trial's steps per epoch (0: unknown) and maxEpochs the bound.
func planTrial(a Action, budget, specEpochs, spe, maxEpochs int) trialPlan {
	p := trialPlan{want: budget, budget: budget, runEpochs: specEpochs}
	fixEpochs := 0
	if i := slices.IndexFunc(a.Edits, func(e SpecEdit) bool { return e.Path == "fit.epochs" }); i >= 0 {
		if v, ok := a.Edits[i].Value.(int); ok && v > 0 {
			fixEpochs, p.runEpochs = v, v
		}
		p.lengthens = true
		p.want, p.why = 2*budget, fmt.Sprintf("twice the untreated trial's %d, as the fix lengthens the run", budget)
	}
	if a.Steps > 0 && spe > 0 {
		if need := (a.Steps + spe - 1) / spe; need > p.want {
			p.want, p.why = need, fmt.Sprintf("the fix needs about %d optimizer steps to show: %d epochs at %d steps per epoch", a.Steps, need, spe)
		}
	}
	p.epochs = p.want
	if fixEpochs > 0 && p.epochs > max(fixEpochs, budget) {
		p.epochs, p.capped = max(fixEpochs, budget), fmt.Sprintf("the fix's own fit.epochs %d", fixEpochs)
	}
	if maxEpochs > 0 && p.epochs > maxEpochs {
		p.epochs, p.capped = maxEpochs, fmt.Sprintf("--max-trial-epochs %d", maxEpochs)
	}
	return p
}

// describe says in one phrase how long the trial trains and why, that
// its spec raises the run's fit.epochs, and that the untreated trial
// trained fewer epochs; "" for the untreated trial's length without a
// reason to differ.
func (p trialPlan) describe() string {
	var s string
	switch {
	case p.capped != "":
		s = fmt.Sprintf("%d epochs, capped by %s: %s, so its effect may not show", p.epochs, p.capped, p.why)
	case p.why != "":
		s = fmt.Sprintf("%d epochs: %s", p.epochs, p.why)
	default:
		return ""
	}
	if p.runEpochs > 0 && p.epochs > p.runEpochs {
		s += fmt.Sprintf(" (the trial's spec raises fit.epochs from %d to %d)", p.runEpochs, p.epochs)
	}
	if p.epochs > p.budget && !p.lengthens {
		s += fmt.Sprintf("; the untreated trial trained %d, so the comparison with it also counts the longer training", p.budget)
	}
	return s
}
