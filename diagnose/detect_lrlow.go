package diagnose

import (
	"fmt"
	"math"
)

// Learning-rate-too-low thresholds.
//
//   - Setting: an adaptive optimizer below 1e-5 or SGD below 1e-4 (100x
//     under Keras' defaults).
//   - Slow start: after slowHorizon steps the loss (mean of the last 50
//     steps) is still above 90% of the initial loss while the median
//     update-to-weight ratio is below 1e-3 (CS231n: about 1e-3 is healthy;
//     DeepDiagnosis flags lr*|Δw|/|w| < 1e-3 as too low). Our measurement:
//     Adam 1e-3 on the basic CNN is at 15% of the initial loss by step 200
//     with ratios of 3e-3..6e-3; plain SGD at Keras' 1e-2 is still at 93%
//     with ratios of 4e-4..7e-4.
//   - A run that later got below 30% of the initial loss only had a slow
//     start (info).
//   - A run that ends before slowHorizon steps (and after slowWindow) is
//     judged at its end by the same rule (issue 10, second round: plain
//     SGD at 2e-4 for 69 steps was only "not learning").
const (
	lrLowAdaptive   = 1e-5
	lrLowSGD        = 1e-4
	slowHorizon     = 200
	slowWindow      = 50
	slowProgress    = 0.9
	updateRatioLow  = 1e-3
	convergedFactor = 0.3
)

func detectLRTooLow(s *Signals) *Finding {
	f := &Finding{Severity: Warning}
	lr, opt := s.lr(), s.optimizer()
	limit := lrLowAdaptive
	if opt == "sgd" {
		limit = lrLowSGD
	}
	if lr < limit {
		f.Evidence = append(f.Evidence, evm("learning_rate", lr, limit,
			"compile.learning_rate %s for %s is %.0fx below its usual %s", fmtLR(lr), opt, typicalLR(opt)/lr, fmtLR(typicalLR(opt))))
	}
	l0, ok := s.progressRef()
	t := &s.Facts.Loss
	horizon, window := slowHorizon, slowWindow
	if last := lastStep(s); last < slowHorizon && last >= 2*minJudgeSteps && (s.Final || !s.Live) {
		// A run that ended before the horizon is judged at its end, on
		// its second half when that is shorter than the window.
		horizon, window = last, min(slowWindow, last/2)
	}
	if ok && t.Len() > 0 && t.Step[t.Len()-1] >= horizon && !pathological(s) && rateCanBeBlamed(s) {
		loss, _, _ := t.window(horizon-window, horizon)
		u := ratioNear(s, horizon)
		if loss > slowProgress*l0 && (u < updateRatioLow || math.IsNaN(u) && len(f.Evidence) > 0) {
			f.Step = horizon
			f.Evidence = append(f.Evidence, evm("loss_ratio", loss/l0, slowProgress,
				"after %d steps the training loss is %.3g, still %s of the initial %.3g", horizon, loss, pct(loss/l0), l0))
			if !math.IsNaN(u) {
				f.Evidence = append(f.Evidence, evm("update_ratio", u, updateRatioLow,
					"median update-to-weight ratio %.2g (healthy: about 1e-3)", u))
			}
			if now, _, _ := t.window(t.Step[t.Len()-1]-slowWindow, t.Step[t.Len()-1]); now < convergedFactor*l0 {
				f.Severity = Info
				f.Evidence = append(f.Evidence, ev(fmt.Sprintf("it later reached %.3g: only the start was slow", now)))
			}
		}
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	f.Epoch = s.epochOfStep(f.Step)
	f.Title = fmt.Sprintf("Learning rate %s is too low for %s: the loss falls slowly", fmtLR(lr), opt)
	if f.Step == 0 {
		f.Title = fmt.Sprintf("Learning rate %s is unusually low for %s", fmtLR(lr), opt)
	}
	f.Causes = []string{fmt.Sprintf("compile.learning_rate %s makes tiny updates", fmtLR(lr))}
	if m := momentumFix(s); m != "" {
		f.Causes = append(f.Causes, "plain SGD without momentum is slow on this problem")
	}
	f.Fixes = nonEmpty(raiseLRFix(s), momentumFix(s), epochsFix(s, 2))
	return f
}

// rateCanBeBlamed says whether slow progress may be put on the learning
// rate: not when an adaptive optimizer (Adam, AdamW, RMSprop: their step
// is the rate, whatever the gradient's scale) runs at a third of its
// usual rate or more, not when SGD's effective rate (with momentum) is
// above its usual one (issue 10, ninth round (b): sigmoid stacks at SGD
// 0.1 and at 0.05 with momentum 0.9, whose gradients vanished, were told
// to raise the rate), and not when the model is too narrow to separate
// the classes (capacity.go): a tiny model's updates are small at any
// rate (issue 10, third round).
func rateCanBeBlamed(s *Signals) bool {
	if tooNarrow(s) != nil {
		return false
	}
	opt := s.optimizer()
	if opt == "sgd" {
		return s.effectiveLR() <= typicalLR(opt)
	}
	return s.lr() < typicalLR(opt)/3
}

// ratioNear is the median update ratio of the record nearest to step;
// step 1's record counts only for SGD and only when there is no other
// (an adaptive optimizer's first step is its largest).
func ratioNear(s *Signals, step int) float64 {
	best, u := -1, math.NaN()
	for _, r := range s.Records {
		if r.Step <= 1 && (s.optimizer() != "sgd" || len(s.Records) > 1) {
			continue
		}
		if d := abs(r.Step - step); best < 0 || d < best {
			best, u = d, medianUpdateRatio(&r)
		}
	}
	return u
}

// pathological reports signs that something other than a small learning
// rate stops learning: the loss blew up (smoothed above 1.5x its start),
// a batch loss spiked, or the hidden layers' gradients are dead or vanish
// (which makes the updates small at any learning rate).
func pathological(s *Signals) bool {
	l0, _ := s.StartLoss()
	t := &s.Facts.Loss
	for i, v := range t.smoothed(divergeSpan) {
		if !finite(v) || v > 1.5*l0 || float64(t.Max[i]) > s.spikeLimit(l0) {
			return true
		}
	}
	if rs := lastRecords(s, 1); len(rs) == 1 && hiddenGradsDead(&rs[0]) {
		return true
	}
	if rs := lastRecords(s, vanishWindow); vanishes(s, rs) {
		return true
	}
	// A run shorter than one metrics interval has only step 1's record:
	// vanishing_gradients judges it at the end (initVanishes), and so
	// does this rule (issue 10, seventh round (d): five sigmoid Conv2D
	// layers and a sigmoid Dense, SGD at 0.02, 27 steps, vanishing at
	// initialization, were named lr_too_low first, at twice SGD's usual
	// rate).
	return initVanishes(s) != nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
