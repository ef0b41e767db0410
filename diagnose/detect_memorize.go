package diagnose

import (
	"fmt"
	"slices"
	"strings"
)

// Overfitting on a run whose evaluation is not clearly above chance. A
// model overfits when it learned something that carries over to held-out
// images and then fits its training images at the cost of it. Two runs
// end with the same curves, training accuracy rising and validation at
// chance, and only one of them overfits:
//
//   - a training set too small to generalize from: 36 training rosettes
//     of 6 kinds (6 a class) and a 0.8M-parameter Dense head (issue 10,
//     ninth round (b)): training accuracy 0.69-0.94, validation 0.14-0.28
//     for 40 epochs. The model memorizes: overfitting explains
//     not_learning.
//   - labels that do not match the images: 270 two-class fibres (135 a
//     class) with shuffled labels (ninth round (c)): training accuracy
//     0.50 -> 0.68-0.81 in 10 epochs, validation 0.43-0.70 on 30 images,
//     never clearly above chance for two evaluations running. Named
//     overfitting ("stop at the best epoch") in 3 of 5 runs, when there
//     is no best epoch to stop at: the labels are the cause (not_learning
//     says so).
//
// So overfitting explains a run at chance (memorized_at_chance) when its
// validation was clearly above chance at two evaluations running
// (everOnceAbove: it learned, then lost it) or its training set holds
// fewer than memorizeClassImages images a class (too few to generalize
// from), and its training accuracy is past halfway from chance to 1.
// When the validation was never clearly above chance and the classes
// are not that small, the overfitting finding is information only.
const memorizeClassImages = 20

// atChanceOverfit applies the rules above to a warning overfitting
// finding.
func atChanceOverfit(s *Signals, f *Finding) {
	j, ok := s.judge()
	if !ok || !j.CanTell || j.Above || !strings.HasPrefix(j.Split, "validation") {
		return
	}
	if e, ok := onceAbove(s, j.Chance); ok {
		memorizedAtChance(s, f, j, e)
		return
	}
	if n, c := s.trainImages(), s.NumClasses(); n > 0 && c > 0 && n < memorizeClassImages*c {
		memorizedAtChance(s, f, j, fmt.Sprintf("the training set holds %d images of %d classes, fewer than %d a class: too few to generalize from", n, c, memorizeClassImages))
		return
	}
	f.Severity = Info
	f.Evidence = append(f.Evidence, ev(fmt.Sprintf("the validation accuracy was never clearly above chance at two evaluations running (%s): "+
		"the model never learned what it could overfit; a model that fits its training images while validation stays at chance points at the labels (see not_learning)", j.String())))
}

// memorizedAtChance marks an overfitting finding as the cause of a run
// that is not learning on its evaluation while its training accuracy is
// past halfway from chance to 1 (the model memorizes); why says why that
// is overfitting. Such a finding explains not_learning (Detectors).
func memorizedAtChance(s *Signals, f *Finding, j Judgement, why string) {
	acc := s.series("accuracy")
	if len(acc) == 0 {
		return
	}
	a, mid := acc[len(acc)-1], j.Chance+(1-j.Chance)/2
	if !(a >= mid) {
		return
	}
	f.Evidence = append(f.Evidence, evm("memorized_at_chance", a, mid,
		"training accuracy %.3f is past halfway from chance to 1 (%.3f) while %s: the model memorizes its training images (%s)", a, mid, j.String(), why))
}

// onceAbove says whether two validation evaluations running were each
// clearly above chance (AboveChance), and which: one such evaluation
// among many is what a split's noise gives (30 two-class images at 0.70,
// lower bound 0.52, once in 10 epochs of shuffled labels).
func onceAbove(s *Signals, chance float64) (string, bool) {
	prev := -1
	for _, v := range s.Facts.Val {
		a, n := accuracyOf(&v)
		if !AboveChance(a, n, chance) {
			prev = -1
			continue
		}
		if prev > 0 && v.Epoch == prev+1 {
			return fmt.Sprintf("validation was clearly above chance at epochs %d and %d: the model learned, then lost it", prev, v.Epoch), true
		}
		prev = v.Epoch
	}
	return "", false
}

// memorizes reports whether an overfitting finding carries the
// memorized_at_chance evidence (memorizedAtChance).
func memorizes(f *Finding) bool {
	return f.Severity != Info && slices.ContainsFunc(f.Evidence, func(e Evidence) bool { return e.Metric == "memorized_at_chance" })
}
