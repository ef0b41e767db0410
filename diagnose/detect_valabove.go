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
		tr, nt := endOfEpochAccuracy(s, e)
		if math.IsNaN(tr) || math.IsNaN(vacc[e-1]) || vacc[e-1]-tr < max(valAboveGap, valAboveZ*gapError(s, vacc[e-1], tr, nt)) {
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

// endOfEpochAccuracy is the batch accuracy over the last quarter of
// epoch e (1-based), each point of the trace weighted by the training
// images it covers (an epoch's last batch may hold only a few: 162 images
// in batches of 32 end with a batch of 2), and that many images; else the
// epoch's accuracy (images 0: unknown).
func endOfEpochAccuracy(s *Signals, e int) (acc float64, images int) {
	t := &s.Facts.Loss
	spe, bs := s.Facts.StepsPerEpoch, 0
	if s.Spec != nil {
		bs = s.Spec.Fit.BatchSize
	}
	if spe > 0 && bs > 0 && t.Len() > 0 {
		end, stride := e*spe, max(t.Stride, 1)
		last := lastBatch(s, spe, bs)
		sum, n := 0.0, 0
		for i := t.Len() - 1; i >= 0 && t.Step[i] > end-max(spe/4, 1); i-- {
			if t.Step[i] > end {
				continue
			}
			w := stride * bs
			if t.Step[i] == end {
				w += last - bs
			}
			sum += t.Acc[i] * float64(w)
			n += w
		}
		if n > 0 {
			return sum / float64(n), n
		}
	}
	if a := s.series("accuracy"); e-1 < len(a) {
		return a[e-1], 0
	}
	return math.NaN(), 0
}

// lastBatch is the size of an epoch's last batch: what the training
// images leave after spe-1 full batches of bs (bs when unknown).
func lastBatch(s *Signals, spe, bs int) int {
	n := 0
	if d := s.Facts.Data; d != nil {
		for _, c := range d.TrainCounts {
			n += c
		}
	}
	if r := n - (spe-1)*bs; r > 0 && r < bs {
		return r
	}
	return bs
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
// nt training images); 0 when the sizes are unknown.
func gapError(s *Signals, va, ta float64, nt int) float64 {
	nv := 0
	if d := s.Facts.Data; d != nil {
		for _, c := range d.ValCounts {
			nv += c
		}
	}
	if nv == 0 || nt == 0 {
		return 0
	}
	return math.Sqrt(va*(1-va)/float64(nv) + ta*(1-ta)/float64(nt))
}
