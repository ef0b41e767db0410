package diagnose

import (
	"fmt"
	"math"
	"strings"
)

// Validation-above-training thresholds (the mirror of AUTOTRAINER's
// test_not_well gap): from epoch 2 on, validation accuracy exceeds the
// training accuracy of the epoch's last quarter by 0.05 or more in each of
// the last two epochs. Training accuracy is measured with dropout and
// augmentation on and over an epoch's running average, so epoch 1 (where
// the running average lags far behind) is skipped and the end of each
// epoch is used. With dropout or augmentation in the run the finding is
// info: some gap is expected.
//
// The gap must also be clearly more than sampling noise: at least
// valAboveZ standard errors of the difference of the two accuracies (the
// validation split's size and the training images in the epoch's last
// quarter). With 80 validation images and four batches of 32 a gap of
// 0.05 is one standard error; healthy runs on small validation splits
// crossed 0.05 by chance in two epochs running (issue 10, second round).
// A run still climbing in its last epoch (underfitting's rule: the loss
// fell 15% or the accuracy rose 5 points) is info: validation is measured
// after the epoch, training accuracy averaged over its end, so a fast
// learner's validation leads.
const (
	valAboveGap = 0.05
	valAboveZ   = 2.0
)

func detectValAboveTrain(s *Signals) *Finding {
	vacc := s.series("val_accuracy")
	n := len(vacc)
	if n < 3 {
		return nil
	}
	var gaps []float64
	for e := n - 1; e <= n; e++ {
		tr := endOfEpochAccuracy(s, e)
		if math.IsNaN(tr) || math.IsNaN(vacc[e-1]) || vacc[e-1]-tr < max(valAboveGap, valAboveZ*gapError(s, vacc[e-1], tr)) {
			return nil
		}
		gaps = append(gaps, vacc[e-1]-tr)
	}
	f := &Finding{Severity: Warning, Epoch: n, Since: n - 1, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Validation accuracy is above training accuracy (by %.3f at epoch %d)", gaps[1], n)
	f.Evidence = []Evidence{evm("val_minus_train_accuracy", gaps[1], valAboveGap,
		"val_accuracy %.4f vs training accuracy %.4f at the end of epoch %d", vacc[n-1], vacc[n-1]-gaps[1], n)}
	reg := regularizers(s)
	if len(reg) > 0 {
		f.Severity = Info
		f.Evidence = append(f.Evidence, ev("the training pass uses "+strings.Join(reg, " and ")+", validation does not"))
	}
	if e := climbing(s); e != nil {
		f.Severity = Info
		f.Evidence = append(f.Evidence, *e, ev("validation is measured after the epoch, training accuracy during it: a model still improving fast scores higher after"))
	}
	f.Causes = []string{"validation images duplicate training images (leakage)", "dropout or augmentation makes training harder than validation",
		"the validation split is small or easier than the training data", "training labels are noisier than validation labels"}
	f.Fixes = nonEmpty("check for duplicates across splits: "+inspectCmd(s), valSplitFix(s))
	return f
}

// endOfEpochAccuracy is the mean batch accuracy over the last quarter of
// epoch e (1-based), or the epoch's accuracy when the trace lacks it.
func endOfEpochAccuracy(s *Signals, e int) float64 {
	t := &s.Facts.Loss
	spe := s.Facts.StepsPerEpoch
	if spe > 0 && t.Len() > 0 {
		end := e * spe
		if _, acc, n := t.window(end-max(spe/4, 1), end); n > 0 {
			return acc
		}
	}
	acc := s.series("accuracy")
	if e-1 < len(acc) {
		return acc[e-1]
	}
	return math.NaN()
}

// regularizers lists what makes training passes harder than validation.
func regularizers(s *Signals) []string {
	var out []string
	if s.Model != nil {
		for _, l := range s.Model.Layers {
			if strings.EqualFold(l.Type, "dropout") && l.Rate > 0 {
				out = append(out, "dropout")
				break
			}
		}
	}
	if s.Spec != nil && s.Spec.Data.Augmentation != nil && s.Spec.Data.Augmentation.Enabled() {
		out = append(out, "augmentation")
	}
	return out
}

// gapError is the standard error of the difference between validation
// accuracy va (on the validation split) and training accuracy ta (over
// the last quarter of an epoch's batches); 0 when the sizes are unknown.
func gapError(s *Signals, va, ta float64) float64 {
	nv := 0
	if d := s.Facts.Data; d != nil {
		for _, c := range d.ValCounts {
			nv += c
		}
	}
	nt := 0
	if spe := s.Facts.StepsPerEpoch; spe > 0 && s.Spec != nil && s.Spec.Fit.BatchSize > 0 {
		nt = max(spe/4, 1) * s.Spec.Fit.BatchSize
	}
	if nv == 0 || nt == 0 {
		return 0
	}
	return math.Sqrt(va*(1-va)/float64(nv) + ta*(1-ta)/float64(nt))
}
