package diagnose

import "fmt"

// Not-learning thresholds (our measurement on the basic CNN and MNIST
// unless noted).
//
//   - No progress: over the last 50 steps the mean training loss is at
//     least 97% of the initial loss and the mean batch accuracy at most 5
//     points above chance (the largest class's share). AUTOTRAINER calls a
//     run "not converging" when accuracy gains stay under 0.01 (delta);
//     healthy runs are at 20-50% of the initial loss by step 100.
//   - Checked from step 100 when something is visibly wrong (the hidden
//     layers' gradients are all zero, the loss blew up past 1.5x or a batch
//     past 3x its start, the first layer's gradient vanished), from step
//     300 when the updates are not small (median |Δw|/|w| >= 1e-3: the
//     optimizer moves the weights and nothing is learned: wrong labels or
//     a wrong loss), and after 3 epochs and 500 steps in any case. Slow
//     progress with tiny updates is lr_too_low's, not this.
//   - A run that got going later (loss under 90% of its start, or
//     accuracy 10 points above chance) is not reported.
const (
	stuckWindow      = 50
	stuckLoss        = 0.97
	stuckAccMargin   = 0.05
	stuckEarly       = 100
	stuckMoving      = 300
	stuckLongSteps   = 500
	stuckLongEpochs  = 3
	unstuckLoss      = 0.9
	unstuckAccMargin = 0.10
)

// detectNotLearning reports a run whose training loss and batch accuracy
// stalled near their start (the thresholds above), else defers to
// atChance.
func detectNotLearning(s *Signals) *Finding {
	l0, ok := s.progressRef()
	t := &s.Facts.Loss
	if !ok || t.Len() == 0 {
		return nil
	}
	chance := s.ChanceAccuracy()
	w := max(1, stuckWindow/max(t.Stride, 1))
	ps := prefixSums(t)
	last := t.Len() - 1
	if loss, acc := ps.windowMean(last, w); loss < unstuckLoss*l0 || acc > chance+unstuckAccMargin || !finite(loss) {
		return atChance(s)
	}
	var p stallSigns
	p.blowup, p.dead, p.vanish = firstPathologies(s)
	for i := 0; i <= last; i++ {
		step := t.Step[i]
		if step < stuckEarly {
			continue
		}
		loss, acc := ps.windowMean(i, w)
		if !(loss >= stuckLoss*l0 && acc <= chance+stuckAccMargin) {
			continue
		}
		why := stuckWhy(s, i, p)
		if len(why) == 0 {
			continue
		}
		return notLearningFinding(s, i, stall{loss: loss, acc: acc, chance: chance, l0: l0}, why, p)
	}
	return atChance(s)
}

// stallSigns are the first steps at which the loss blew up, the hidden
// layers' gradients died and the first layer's gradient vanished (0:
// never), as firstPathologies finds them.
type stallSigns struct{ blowup, dead, vanish int }

// blewUpBy: the loss blew up or the hidden gradients died by step.
func (p stallSigns) blewUpBy(step int) bool {
	return p.blowup > 0 && p.blowup <= step || p.dead > 0 && p.dead <= step
}

// vanishedBy: the first layer's gradient vanished by step.
func (p stallSigns) vanishedBy(step int) bool { return p.vanish > 0 && p.vanish <= step }

// stall is the loss and accuracy of a stalled window, with chance
// accuracy and the reference loss l0.
type stall struct{ loss, acc, chance, l0 float64 }

// windowMean is the mean loss and accuracy of the (up to) w trace points
// ending at point i.
func (ps sums) windowMean(i, w int) (loss, acc float64) {
	j := max(0, i+1-w)
	n := float64(i + 1 - j)
	return (ps.loss[i+1] - ps.loss[j]) / n, (ps.acc[i+1] - ps.acc[j]) / n
}

// stuckWhy is the evidence that a run stalled at trace point i is not
// learning (nil: not yet enough to say so).
func stuckWhy(s *Signals, i int, p stallSigns) []Evidence {
	t := &s.Facts.Loss
	step := t.Step[i]
	var why []Evidence
	if p.blowup > 0 && p.blowup <= step {
		why = append(why, ev(fmt.Sprintf("the loss blew up or spiked at step %d before it stalled", p.blowup)))
	}
	if p.dead > 0 && p.dead <= step {
		why = append(why, ev(fmt.Sprintf("from step %d every layer below the output has a zero gradient", p.dead)))
	}
	if p.vanishedBy(step) {
		why = append(why, ev(fmt.Sprintf("from step %d the first layer's gradient has vanished", p.vanish)))
	}
	u := ratioNear(s, step)
	if len(why) == 0 && step >= stuckMoving && u >= updateRatioLow {
		why = append(why, evm("update_ratio", u, updateRatioLow, "the weights do move (median |Δw|/|w| %.2g) yet nothing is learned", u))
	}
	if len(why) == 0 && step >= stuckLongSteps && t.Epoch[i] >= stuckLongEpochs {
		why = append(why, ev(fmt.Sprintf("no progress in %d epochs", t.Epoch[i])))
	}
	return why
}

// notLearningFinding is the critical finding for a run stalled at trace
// point i, with the evidence why and the causes the stall signs point to.
func notLearningFinding(s *Signals, i int, st stall, why []Evidence, p stallSigns) *Finding {
	t := &s.Facts.Loss
	step := t.Step[i]
	f := &Finding{Severity: Critical, Step: step, Epoch: t.Epoch[i], Since: t.Epoch[i]}
	f.Title = fmt.Sprintf("Not learning: after %d steps the loss is %.3g and accuracy %.2f (chance %.2f)", step, st.loss, st.acc, st.chance)
	start, _ := s.StartLoss()
	f.Evidence = append([]Evidence{
		evm("loss_ratio", st.loss/st.l0, stuckLoss, "mean training loss of the last %d steps %.3g; it started at %.3g, a uniform guess gives %.3g",
			stuckWindow, st.loss, start, s.ChanceLoss()),
		evm("accuracy", st.acc, st.chance+stuckAccMargin, "mean batch accuracy %.3f; a constant guess gets %.3f", st.acc, st.chance),
	}, why...)
	if c := collapse(s); c != "" {
		f.Evidence = append(f.Evidence, ev(c))
	}
	setStuckCauses(f, s, step, p)
	return f
}

// setStuckCauses sets a not-learning finding's causes and fixes from the
// stall signs seen by step.
func setStuckCauses(f *Finding, s *Signals, step int, p stallSigns) {
	switch {
	case p.blewUpBy(step) && bnBatchNoise(s):
		f.Causes = []string{fmt.Sprintf("BatchNormalization on batches of %d: noisy batch statistics make the training loss jump (the learning rate is the optimizer's usual)", s.Spec.Fit.BatchSize)}
		f.Fixes = nonEmpty(batchFix32(s), "check that the model can learn at all: train again with --sanity (overfits 32 samples)")
	case p.blewUpBy(step):
		f.Causes = []string{"the learning rate is too high: the loss blew up and units died", "inputs are not normalized"}
		f.Fixes = []string{lowerLRFix(s), "use leaky_relu activations or BatchNormalization after the convolutions",
			"check that the model can learn at all: train again with --sanity (overfits 32 samples)"}
	case p.vanishedBy(step):
		f.Causes = []string{"gradients vanish before they reach the first layers"}
		f.Fixes = []string{batchNormFix(firstWeighted(s)), "use relu activations and he_uniform initialization"}
	default:
		f.Causes = []string{
			"labels do not match the images (shuffled or wrong labels)",
			"the output activation does not match the loss",
			"too much regularization (dropout) for the model's size",
		}
		f.Fixes = []string{
			"check that images and labels match: " + inspectCmd(s) + ", then look at a few files per class",
			"check that the model can learn at all: train again with --sanity (overfits 32 samples)",
			defaultsFix,
		}
	}
}

// atChanceEpochs: a run whose evaluation is not clearly above chance
// (chance.go) at the end, or live after this many epochs, is not
// learning, however its training loss moves (memorizing shuffled labels
// lowers it a little). Live, it also needs stuckEarly steps, the least
// the loss rule judges a stall on: two epochs of a small set are a few
// optimizer steps (issue 10, fifth round: a class-weighted 85:15 run of 8
// steps an epoch predicted the largest class for every validation image
// at steps 8-24 and for 57 of 60 at step 32, and told the classes apart
// by its end at step 80). Live, a slow start (slowstart.go: the losses
// leaving a constant prediction's while the accuracy sits at the largest
// class's share) is not called either.
const atChanceEpochs = 2

func atChance(s *Signals) *Finding {
	j, ok := s.judge()
	if !ok || !j.CanTell || j.Above || !j.AtChance || s.Live && !s.Final && (j.Epoch < atChanceEpochs || s.Steps() < stuckEarly || s.evalRising()) {
		return nil
	}
	if _, slow := slowStart(s); slow && s.Live && !s.Final {
		return nil // leaving the constant prediction's loss (slowstart.go)
	}
	f := &Finding{Severity: Critical, Epoch: j.Epoch, Since: j.Epoch, Step: s.stepOfEpoch(j.Epoch)}
	f.Title = fmt.Sprintf("Not learning: %s accuracy %.3f is not clearly above chance (%.3f) after %d epoch(s)", j.Split, j.Accuracy, j.Chance, j.Epoch)
	f.Evidence = []Evidence{evm("accuracy_lower_bound", j.Lower, j.Chance, "%s", j.String())}
	if start, ok := s.StartLoss(); ok {
		if loss := s.series("loss"); len(loss) > 0 {
			f.Evidence = append(f.Evidence, ev(fmt.Sprintf("training loss went from %.3g to %.3g; a uniform guess gives %.3g", start, loss[len(loss)-1], s.ChanceLoss())))
		}
	}
	if c := collapse(s); c != "" {
		f.Evidence = append(f.Evidence, ev(c))
	}
	f.Causes = []string{
		"labels do not match the images (shuffled or wrong labels)",
		"the learning rate is too low or too high for any progress",
		"the model is too small or too regularized to separate the classes",
	}
	f.Fixes = []string{
		"check that images and labels match: " + inspectCmd(s) + ", then look at a few files per class",
		"check that the model can learn at all: train again with --sanity (overfits 32 samples)",
		defaultsFix,
	}
	return f
}

// evalRising reports whether the latest evaluation's accuracy is clearly
// above the one before (ClearlyAbove on the split's size): a live run
// that is leaving its slow start is not called not learning while it
// climbs (a critical needs no improving trend; issue 10, third round).
func (s *Signals) evalRising() bool {
	v, _ := s.lastEval()
	if v == nil {
		return false
	}
	prev := previousEval(s, *v)
	if prev == nil {
		return false
	}
	a, na := accuracyOf(v)
	b, nb := accuracyOf(prev)
	return ClearlyAbove(a, na, b, nb)
}

// accuracyOf is an evaluation's accuracy and its number of images.
func accuracyOf(v *ValFacts) (float64, int) {
	n, c := 0, 0
	for k, sup := range v.Support {
		n += sup
		if k < len(v.Correct) {
			c += v.Correct[k]
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(c) / float64(n), n
}

type sums struct{ loss, acc []float64 }

func prefixSums(t *LossTrace) sums {
	ps := sums{make([]float64, t.Len()+1), make([]float64, t.Len()+1)}
	for i := 0; i < t.Len(); i++ {
		ps.loss[i+1] = ps.loss[i] + float64(t.Loss[i])
		ps.acc[i+1] = ps.acc[i] + t.Acc[i]
	}
	return ps
}

// firstPathologies returns the first step at which the loss blew up
// (smoothed over 1.5x, or a batch over 3x, the initial loss), at which the
// hidden layers' gradients were dead, and at which the first layer's
// gradient vanished (0: never).
func firstPathologies(s *Signals) (blowup, dead, vanish int) {
	l0, _ := s.StartLoss()
	t := &s.Facts.Loss
	for i, v := range t.smoothed(divergeSpan) {
		if !finite(v) || v > 1.5*l0 || float64(t.Max[i]) > s.spikeLimit(l0) {
			blowup = t.Step[i]
			break
		}
	}
	rs := recordsAfter(s, 1)
	for i, r := range rs {
		if dead == 0 && hiddenGradsDead(&r) {
			dead = r.Step
		}
		if vanish == 0 && i > 0 && vanishes(s, rs[max(0, i+1-vanishWindow):i+1]) {
			vanish = r.Step
		}
	}
	return blowup, dead, vanish
}

// collapse describes validation predictions that all go to one class.
func collapse(s *Signals) string {
	if len(s.Facts.Val) == 0 {
		return ""
	}
	v := s.Facts.Val[len(s.Facts.Val)-1]
	share, k := majority(v.Pred)
	if share < 0.9 || k < 0 {
		return ""
	}
	return fmt.Sprintf("%s of the validation images are predicted as class %s (epoch %d)", pct(share), className(s, k), v.Epoch)
}

func className(s *Signals, k int) string {
	names := s.Classes
	if len(names) == 0 && s.Facts.Data != nil {
		names = s.Facts.Data.Classes
	}
	if k >= 0 && k < len(names) {
		return fmt.Sprintf("%q", names[k])
	}
	return fmt.Sprint(k)
}

// firstWeighted names the first layer with weights.
func firstWeighted(s *Signals) string {
	if len(s.Records) > 0 {
		if ws := weighted(&s.Records[0]); len(ws) > 0 {
			return ws[0].Layer
		}
	}
	return "the first convolution"
}
