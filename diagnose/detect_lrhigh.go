package diagnose

import (
	"fmt"
	"math"
)

// Learning-rate-too-high thresholds.
//
//   - Setting: an adaptive optimizer (Adam, AdamW, RMSprop) at 30x Keras'
//     default 1e-3 or more, or SGD at an effective rate of 1.0 or more
//     (Keras' defaults; Karpathy, "A Recipe for Training Neural Networks":
//     Adam at 3e-4 is safe; our measurement: the basic CNN on MNIST trains
//     at Adam 1e-2 and SGD 1e-1 and dies at Adam 1e-1 and SGD 1.0). SGD's
//     effective rate is lr / (1 - momentum), its steady-state step (Polyak's
//     heavy ball; Goodfellow et al., Deep Learning, 8.3.2): with momentum
//     0.9 the basic CNN trains at lr 0.05, wobbles at 0.1 (validation loss
//     rose in epoch 2) and dies at 0.2.
//   - Update-to-weight ratio: the median over layers of |Δw|/|w| above 0.5
//     at any step (CS231n puts a healthy ratio near 1e-3; we measured at most
//     0.03 at Adam 1e-3 and 0.14 at Adam 1e-2 on the first, largest, step,
//     and 1.4 at Adam 1e-1).
//   - Loss spike: a batch loss above 3x the initial loss (healthy runs stay
//     under 1.3x; SGD at 1.0 reached 4x, Adam at 0.1 6x), times the swing
//     class weights alone give a batch's loss (weightSwing: a batch of the
//     most-weighted class; issue 10: balanced weights on a 60:14:6 set
//     lifted healthy batches past 3x).
//   - Oscillation: AUTOTRAINER's unstable-loss check on the validation
//     accuracy, over at least 5 epochs: swings of 0.03 or more (zeta) between
//     neighbouring peaks and troughs in 20% of the epochs or more (eta). A
//     swing must also exceed 3 standard errors of the difference of two
//     accuracies measured on the validation split, sqrt(2 p (1 - p) / n):
//     on a small split accuracy swings by chance (300 images at p = 0.8:
//     0.098; measured: 100 training images and a healthy lr swing by
//     0.03-0.15 from epoch to epoch), on MNIST's 6,000 the 0.03 counts.
const (
	lrHighAdaptive   = 0.03
	lrHighSGD        = 1.0
	updateRatioHigh  = 0.5
	spikeFactor      = 3.0
	oscillationSwing = 0.03
	oscillationRate  = 0.2
)

func detectLRTooHigh(s *Signals) *Finding {
	f := &Finding{Severity: Warning}
	lr, opt := s.lr(), s.optimizer()
	limit := lrHighAdaptive
	if opt == "sgd" {
		limit = lrHighSGD
	}
	switch eff := s.effectiveLR(); {
	case eff >= limit && eff > lr:
		f.Evidence = append(f.Evidence, evm("effective_learning_rate", eff, limit,
			"compile.learning_rate %s with momentum %s steps like plain sgd at %s, %.0fx its usual %s", fmtLR(lr), fmtLR(s.Spec.Compile.Momentum),
			fmtLR(eff), eff/typicalLR(opt), fmtLR(typicalLR(opt))))
	case lr >= limit:
		f.Evidence = append(f.Evidence, evm("learning_rate", lr, limit,
			"compile.learning_rate %s for %s is %.0fx its usual %s", fmtLR(lr), opt, lr/typicalLR(opt), fmtLR(typicalLR(opt))))
	}
	for _, r := range s.Records {
		if u := medianUpdateRatio(&r); u > updateRatioHigh {
			e := evm("update_ratio", u, updateRatioHigh, "median update-to-weight ratio |Δw|/|w| %.3g at step %d (healthy: about 1e-3)", u, r.Step)
			e.Step = r.Step
			f.Evidence = append(f.Evidence, e)
			f.Step = r.Step
			break
		}
	}
	if e, ok := lossSpike(s); ok {
		f.Evidence = append(f.Evidence, e)
		if f.Step == 0 || e.Step < f.Step {
			f.Step = e.Step
		}
	}
	swing := valSwing(s)
	if swings, n := oscillations(s.series("val_accuracy"), swing); n >= 5 && float64(swings) >= oscillationRate*float64(n) && swings >= 2 {
		f.Evidence = append(f.Evidence, evm("val_accuracy_swings", float64(swings), oscillationRate*float64(n),
			"validation accuracy swung by %.2f or more %d times in %d epochs", swing, swings, n))
	}
	if len(f.Evidence) == 0 || bnBatchNoise(s) {
		// (at a usual rate, spikes under BatchNormalization on small
		// batches are the batch statistics': batchnorm_statistics')
		return nil
	}
	if len(f.Evidence) == 1 && f.Evidence[0].Metric == "val_accuracy_swings" && !endsInTrough(s) {
		// Swings alone, in a run that ends at its best: the instability
		// cost nothing (issue 10, third round: class weights swing a small
		// validation split's accuracy by 0.07 from epoch to epoch while the
		// run ends at 0.975).
		f.Severity = Info
		if usualLR(s) {
			// At the optimizer's usual rate the swings of a run that ends
			// at its best blame nothing: a stranger's 33 validation images
			// (30:3) under class weights swung between 0.09 and 0.91
			// as the model moved between the classes, at Adam's 1e-3,
			// and read "1e-3 is too high for adam (adam usually starts
			// at 1e-3)".
			return nil
		}
	}
	f.Epoch = s.epochOfStep(f.Step)
	f.Title = fmt.Sprintf("Learning rate %s is too high for %s", fmtLR(lr), opt)
	f.Causes = []string{fmt.Sprintf("compile.learning_rate %s: updates overshoot (%s usually starts at %s)", fmtLR(lr), opt, fmtLR(typicalLR(opt)))}
	if usualLR(s) {
		f.Causes[0] = fmt.Sprintf("compile.learning_rate %s, %s's usual starting rate, still overshoots for this model and data", fmtLR(lr), opt)
	}
	f.Fixes = []string{lowerLRFix(s), clipFix, "or find one with a learning-rate range test"}
	return f
}

// lossSpike finds a batch loss above spikeFactor times the start: two
// such batches, or one after which the training loss never got back under
// its start. A single spike the run recovers from is a hard batch, not an
// overshooting rate (issue 10, third round: SGD with Nesterov momentum at
// 0.01 on grain had one batch at 4.8x the start at step 45, then learned).
func lossSpike(s *Signals) (Evidence, bool) {
	l0, ok := s.StartLoss()
	if !ok {
		return Evidence{}, false
	}
	t := &s.Facts.Loss
	first, count, limit := -1, 0, s.spikeLimit(l0)
	for i := 0; i < t.Len(); i++ {
		if m := float64(t.Max[i]); finite(m) && m > limit {
			if first < 0 {
				first = i
			}
			count++
		}
	}
	if first < 0 {
		return Evidence{}, false
	}
	if count < 2 {
		after, _, n := t.window(t.Step[first], t.Step[t.Len()-1])
		if n > 0 && finite(after) && after < l0 {
			return Evidence{}, false
		}
	}
	m := float64(t.Max[first])
	e := evm("batch_loss", m, limit, "batch loss %.3g at step %d, %.1fx the initial %.3g", m, t.Step[first], m/l0, l0)
	e.Step = t.Step[first]
	return e, true
}

// endsInTrough reports whether the latest validation accuracy is below the
// run's best by at least the swing that counts (valSwing).
func endsInTrough(s *Signals) bool {
	acc := s.series("val_accuracy")
	best, last, seen := 0.0, 0.0, false
	for _, a := range acc {
		if !math.IsNaN(a) {
			best, last, seen = max(best, a), a, true
		}
	}
	return seen && best-last >= valSwing(s)
}

// valSwing is the smallest swing of validation accuracy that counts: 0.03
// or 3 standard errors of a difference of two accuracies on the split.
func valSwing(s *Signals) float64 {
	n := 0
	if len(s.Facts.Val) > 0 {
		for _, c := range s.Facts.Val[len(s.Facts.Val)-1].Support {
			n += c
		}
	} else if d := s.Facts.Data; d != nil {
		for _, c := range d.ValCounts {
			n += c
		}
	}
	acc := s.series("val_accuracy")
	if n == 0 || len(acc) == 0 || math.IsNaN(acc[len(acc)-1]) {
		return oscillationSwing
	}
	p := min(max(acc[len(acc)-1], 0.01), 0.99)
	return max(oscillationSwing, 3*math.Sqrt(2*p*(1-p)/float64(n)))
}

// oscillations applies AUTOTRAINER's ol_judge to a metric: it pairs the
// i-th local maximum with the i-th local minimum and counts the pairs
// that differ by swing or more. It returns that count and the
// number of finite values.
func oscillations(v []float64, swing float64) (swings, n int) {
	var vals []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			vals = append(vals, x)
		}
	}
	var maxima, minima []float64
	for i := 1; i+1 < len(vals); i++ {
		if vals[i] >= vals[i-1] && vals[i] >= vals[i+1] {
			maxima = append(maxima, vals[i])
		}
		if vals[i] <= vals[i-1] && vals[i] <= vals[i+1] {
			minima = append(minima, vals[i])
		}
	}
	for i := 0; i < min(len(maxima), len(minima)); i++ {
		if maxima[i]-minima[i] >= swing {
			swings++
		}
	}
	return swings, len(vals)
}

// usualLR reports whether the run's learning rate, and its effective
// rate, are at most its optimizer's usual one.
func usualLR(s *Signals) bool {
	opt := s.optimizer()
	return s.lr() <= typicalLR(opt) && s.effectiveLR() <= typicalLR(opt)
}
