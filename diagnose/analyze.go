package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// A Detector judges one problem from the signals. It must work on the
// signals of a finished run as well as on a prefix of them (the Monitor
// runs it while the run goes on), and give nil when it has nothing to
// say or its signals are missing.
type Detector struct {
	ID string
	// Root marks a detector of a cause (a setting, the data) rather than
	// of a symptom; Explains lists the findings such a cause can produce.
	// Ranking puts a cause before the symptoms it explains and raises it
	// to their severity, and each explained symptom lists it first among
	// its causes.
	Root     bool
	Explains []string
	// Covers is a phrase of the generic causes this cause makes redundant
	// in the symptoms it explains ("learning rate is too high").
	Covers string
	// Decisive, when set, says whether one of the detector's findings is
	// evidence enough to explain its symptoms (nil: every finding is). A
	// partly dead ReLU layer or a generic accuracy shortfall is a symptom
	// beside not_learning, not its cause: the live units still learn, and
	// an accuracy under 0.7 says nothing of why (issue 10, fourth round).
	Decisive func(f *Finding) bool
	Detect   func(s *Signals) *Finding
}

// Detectors are every detector, in priority order (earlier ranks first
// among findings of one severity and depth).
var Detectors = []Detector{
	{ID: "output_loss_mismatch", Root: true, Covers: "output activation", Explains: []string{"initial_loss", "not_learning", "nan", "saturated_activations", "sanity_failed"}, Detect: detectOutputLossMismatch},
	{ID: "unnormalized_inputs", Root: true, Covers: "not normalized", Explains: []string{"initial_loss", "nan", "divergence", "exploding_gradients", "dying_relu", "saturated_activations", "not_learning", "lr_too_high", "sanity_failed"}, Detect: detectUnnormalizedInputs},
	{ID: "bad_initialization", Root: true, Covers: "initializ", Explains: []string{"initial_loss", "nan", "divergence", "exploding_gradients", "vanishing_gradients", "dying_relu", "saturated_activations", "not_learning", "lr_too_high", "loss_plateau", "underfitting", "sanity_failed"}, Decisive: initDecisive, Detect: detectBadInitialization},
	{ID: "lr_too_high", Root: true, Covers: "learning rate", Explains: []string{"nan", "divergence", "exploding_gradients", "dying_relu", "not_learning", "loss_plateau", "majority_class_bias", "sanity_failed"}, Detect: detectLRTooHigh},
	{ID: "initial_loss", Root: true, Explains: []string{"not_learning", "divergence", "dying_relu", "saturated_activations", "vanishing_gradients"}, Decisive: initDecisive, Detect: detectInitialLoss},
	{ID: "leakage", Root: true, Covers: "leakage", Explains: []string{"val_above_train"}, Detect: detectLeakage},
	{ID: "label_noise", Root: true, Covers: "labels", Explains: []string{"underfitting", "val_above_train", "loss_plateau"}, Detect: detectLabelNoise},
	{ID: "high_dropout", Root: true, Covers: "regularization", Explains: []string{"underfitting", "val_above_train", "not_learning", "sanity_failed", "label_noise"}, Detect: detectHighDropout},
	{ID: "lr_too_low", Root: true, Covers: "learning rate", Explains: []string{"underfitting", "loss_plateau", "not_learning", "sanity_failed"}, Detect: detectLRTooLow},
	{ID: "batchnorm_statistics", Root: true, Covers: "memoriz", Explains: []string{"overfitting", "val_above_train", "underfitting", "not_learning", "loss_plateau"}, Detect: detectBatchNormStatistics},
	{ID: "pretrained_input_range", Root: true, Covers: "not normalized", Explains: []string{"unnormalized_inputs", "initial_loss", "not_learning", "underfitting", "loss_plateau", "lr_too_high", "divergence"}, Detect: detectPretrainedInputRange},
	{ID: "finetune_lr_too_high", Root: true, Covers: "learning rate", Explains: []string{"overfitting", "loss_plateau", "divergence", "lr_too_high"}, Detect: detectFineTuneLR},
	{ID: "frozen_base_cap", Root: true, Covers: "too small", Explains: []string{"underfitting", "loss_plateau", "not_learning"}, Detect: detectFrozenBaseCap},
	{ID: "batchnorm_drift", Root: true, Explains: []string{"overfitting", "val_above_train"}, Detect: detectBNDrift},
	{ID: "sanity_failed", Root: true, Explains: []string{"not_learning", "underfitting"}, Detect: detectSanityFailed},
	{ID: "nan", Detect: detectNaN},
	{ID: "divergence", Detect: detectDivergence},
	{ID: "exploding_gradients", Detect: detectExplodingGradients},
	{ID: "vanishing_gradients", Explains: []string{"not_learning", "underfitting"}, Detect: detectVanishingGradients},
	{ID: "dying_relu", Explains: []string{"not_learning", "underfitting"}, Decisive: deadNetwork, Detect: detectDyingReLU},
	{ID: "saturated_activations", Explains: []string{"vanishing_gradients", "not_learning", "underfitting"}, Detect: detectSaturatedActivations},
	{ID: "not_learning", Detect: detectNotLearning},
	{ID: "majority_class_bias", Root: true, Explains: []string{"not_learning", "underfitting"}, Detect: detectMajorityClassBias},
	{ID: "underfitting", Explains: []string{"not_learning"}, Decisive: tooSmallModel, Detect: detectUnderfitting},
	{ID: "loss_plateau", Detect: detectLossPlateau},
	{ID: "overfitting", Explains: []string{"not_learning"}, Decisive: memorizes, Detect: detectOverfitting},
	{ID: "val_above_train", Detect: detectValAboveTrain},
	{ID: "learns_by_class", Detect: detectLearnsByClass},
	{ID: "inconclusive", Detect: detectInconclusive},
}

// Analyze runs every detector on the signals and returns the diagnosis:
// findings ranked (most severe first; within a severity, causes before
// the symptoms they explain) and the verdict.
func Analyze(s *Signals) *Diagnosis {
	d := &Diagnosis{Findings: []Finding{}, Epochs: len(s.Epochs), Steps: s.Steps()}
	order := map[string]int{}
	for i, det := range Detectors {
		order[det.ID] = i
		if f := det.Detect(s); f != nil {
			f.ID = det.ID
			if f.Causes == nil {
				f.Causes = []string{}
			}
			if f.Fixes == nil {
				f.Fixes = []string{}
			}
			d.Findings = append(d.Findings, *f)
		}
	}
	d.Findings = oneVerdict(d.Findings)
	explained := link(d.Findings)
	slices.SortStableFunc(d.Findings, func(a, b Finding) int {
		if r := rank(b.Severity) - rank(a.Severity); r != 0 {
			return r
		}
		if explained[a.ID] != explained[b.ID] {
			if explained[a.ID] {
				return 1
			}
			return -1
		}
		return order[a.ID] - order[b.ID]
	})
	groundFixes(s, d.Findings)
	attachActions(s, d.Findings)
	d.Verdict, d.Summary = verdict(s, d.Findings)
	return d
}

// oneVerdict drops the inconclusive finding when a critical finding says
// the run is not learning: a run is either judged or not, and a critical
// finding (NaN, a stall in the training loss, a collapse) is evidence
// enough whatever the size of the validation split.
func oneVerdict(fs []Finding) []Finding {
	if !slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Critical }) {
		return fs
	}
	return slices.DeleteFunc(fs, func(f Finding) bool { return f.ID == "inconclusive" })
}

// link lets causes explain symptoms: each explained finding lists the
// present causes first (in priority order, with their first fix first
// among its fixes), and a cause is raised to the severity of what it
// explains. It returns the IDs of explained findings.
func link(fs []Finding) map[string]bool {
	byID := map[string]int{}
	for i, f := range fs {
		byID[f.ID] = i
	}
	decisive := map[string]bool{}
	for _, det := range Detectors {
		if ci, ok := byID[det.ID]; ok {
			decisive[det.ID] = det.Decisive == nil || det.Decisive(&fs[ci])
		}
	}
	explained := map[string]bool{}
	causes := map[int][]int{}
	covers := map[int][]string{}
	own := make([]Severity, len(fs))
	for i := range fs {
		own[i] = fs[i].Severity
	}
	for _, det := range Detectors {
		ci, ok := byID[det.ID]
		if !ok || !decisive[det.ID] {
			continue
		}
		for _, sym := range det.Explains {
			si, ok := byID[sym]
			if !ok || si == ci {
				continue
			}
			explained[sym] = true
			causes[si] = append(causes[si], ci)
			if det.Covers != "" {
				covers[si] = append(covers[si], det.Covers)
			}
			if rank(fs[si].Severity) > rank(fs[ci].Severity) {
				fs[ci].Severity = fs[si].Severity
			}
		}
	}
	type linked struct {
		causes, fixes []string
		epochs        string
	}
	lists := map[int]linked{}
	for si, cis := range causes {
		// (all read before any symptom's own lists change)
		var l linked
		l.causes, l.fixes, l.epochs = linkedCauses(fs, own, cis)
		lists[si] = l
	}
	for si, l := range lists {
		cs, fx, epochs := l.causes, l.fixes, l.epochs
		rest := slices.DeleteFunc(fs[si].Causes, func(c string) bool {
			for _, cv := range covers[si] {
				if strings.Contains(c, cv) {
					return true
				}
			}
			return false
		})
		fs[si].Causes = append(cs, rest...)
		for _, x := range fs[si].Fixes {
			if epochs != "" && epochsFixOf([]string{x}) != "" {
				// One run, one epoch count: the cause's, which says why.
				x = epochs
			}
			if !slices.Contains(fx, x) {
				fx = append(fx, x)
			}
		}
		fs[si].Fixes = fx
	}
	return explained
}

// linkedCauses lists the causes cis (in priority order) of a symptom:
// by the severity their own findings had before link raised any (a
// critical or warning cause before an info one: a stranger's
// mobilenet-v2-small run listed an info "label noise suspected 4.1%" as
// its underfitting's first cause, above the critical BatchNormalization
// lag), then in priority order. It returns their titles, their first
// fixes, and the first fix among theirs that sets fit.epochs ("": none).
func linkedCauses(fs []Finding, own []Severity, cis []int) (causes, fixes []string, epochs string) {
	cis = slices.Clone(cis)
	slices.SortStableFunc(cis, func(a, b int) int { return rank(own[b]) - rank(own[a]) })
	for _, ci := range cis {
		causes = append(causes, fs[ci].Title+" (see "+fs[ci].ID+")")
		if len(fs[ci].Fixes) > 0 {
			fixes = append(fixes, fs[ci].Fixes[0])
		}
		if x := epochsFixOf(fs[ci].Fixes); x != "" && epochs == "" {
			epochs = x
		}
	}
	return causes, fixes, epochs
}

// epochsFixOf is the first of fixes that sets fit.epochs ("": none).
func epochsFixOf(fixes []string) string {
	for _, x := range fixes {
		if strings.Contains(x, "fit.epochs: ") {
			return x
		}
	}
	return ""
}

func rank(s Severity) int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// verdict answers "is it learning effectively?" from the findings and
// the chance check: any critical finding means not learning; too little
// evidence is inconclusive; an evaluation not clearly above chance is
// never learning effectively (learning with problems when, on an
// imbalanced split, per-class recall shows learning (balanced.go); not
// learning when the split could show it; else inconclusive); any warning
// means learning with problems.
func verdict(s *Signals, fs []Finding) (Verdict, string) {
	if len(fs) > 0 && fs[0].Severity == Critical {
		return NotLearning, fs[0].Title
	}
	for _, f := range fs {
		if f.ID == "inconclusive" {
			return Inconclusive, f.Title + ": " + f.Evidence[0].Text
		}
	}
	if j, ok := s.judge(); ok && !j.Above {
		if j.LearnsByClass() {
			msg := "Learning by balanced accuracy, not yet by accuracy: " + j.byClassSummary()
			if len(fs) > 0 && fs[0].Severity == Warning {
				msg = fs[0].Title + "; " + msg
			}
			return LearningWithProblems, msg
		}
		if j.CanTell && j.AtChance {
			return NotLearning, "Not clearly above chance: " + j.String()
		}
		if !j.CanTell {
			return Inconclusive, "Too little evidence: " + j.tooFew()
		}
		return Inconclusive, "Too little evidence: " + j.String()
	}
	if len(fs) > 0 && fs[0].Severity == Warning {
		return LearningWithProblems, fs[0].Title
	}
	return LearningEffectively, progressSummary(s)
}

// progressSummary says in one sentence how far a run without problems got.
// summaryGapMin is the smallest gap between training and validation
// accuracy the summary of a run without warnings mentions: a gap can be
// beyond a large split's noise and still too small to matter (MNIST's
// basic CNN, 0.993 against 0.990 on 6,000 validation images, read
// "fits its training images better than it generalizes").
const summaryGapMin = 0.05

func progressSummary(s *Signals) string {
	loss, acc := s.series("loss"), s.series("val_accuracy")
	if len(loss) == 0 {
		if s.Steps() == 0 {
			return "No problems found before training."
		}
		return fmt.Sprintf("No problems found in the first %d steps.", s.Steps())
	}
	msg := fmt.Sprintf("Training loss went from %.3g to %.3g in %d epoch(s)", loss[0], loss[len(loss)-1], len(loss))
	if l0, ok := s.InitialLoss(); ok {
		msg = fmt.Sprintf("Training loss went from %.3g to %.3g in %d epoch(s)", l0, loss[len(loss)-1], len(loss))
	}
	if a := acc[len(acc)-1]; !math.IsNaN(a) {
		msg += fmt.Sprintf(", validation accuracy %.3f", a)
		if ta := s.series("accuracy"); len(ta) > 0 && finite(ta[len(ta)-1]) && ta[len(ta)-1]-a >= summaryGapMin && clearGap(s, ta[len(ta)-1], a) {
			// (a stranger's vgg-small, 3 epochs: 0.993 against 0.700 on 30
			// images read "no problems found")
			return msg + fmt.Sprintf(", clearly below the training accuracy %.3f (by more than the validation split's noise): no warning, but the model fits its training images better than it generalizes.", ta[len(ta)-1])
		}
	}
	return msg + "; no problems found."
}

// ev makes an evidence line; metric, value and threshold are optional
// (a non-finite value is left out: JSON has no such numbers).
func ev(text string) Evidence { return Evidence{Text: text} }

func evm(metric string, value, threshold float64, format string, args ...any) Evidence {
	e := Evidence{Text: fmt.Sprintf(format, args...), Metric: metric}
	if finite(value) {
		e.Value = value
	}
	if finite(threshold) {
		e.Threshold = threshold
	}
	return e
}
