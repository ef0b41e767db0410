package diagnose

import (
	"fmt"
	"math"
)

// Underfitting thresholds: after at least 2 epochs and 30% of the planned
// ones (AUTOTRAINER's judgment point, 0.3), neither training nor validation
// accuracy reached 0.7 (AUTOTRAINER's satisfied accuracy Theta), and the
// run is above chance (at chance it is not_learning's). A run whose
// training loss still fell by 15% or more in its last epoch is still
// climbing, not stuck below the target: info, train longer. (Our
// measurement: vgg-small on 1,350 MNIST images, 2 epochs: loss -52%,
// accuracy 0.31 to 0.62; models too small or too regularized to fit, and
// SGD at a tenth of its rate, fall by 1-5% an epoch, 30% label noise by
// 5-12%. The bound was 25% until issue 10: healthy runs on harder data
// that still fell 15-25% an epoch were told they underfit.) A run whose
// training accuracy rose by 5 points or more in its last epoch, at a pace
// that reaches 0.7 in no more epochs than it has run, is also still
// climbing, and so is one whose validation accuracy did so (issue 10,
// third round: a batch-64 run whose training accuracy gained 6.5 points
// in epoch 3 while its validation accuracy gained 17.5) (issue 10, second round: healthy augmented and batch-64 runs
// gaining 5-20 points an epoch while their loss fell under 15% were told
// they underfit; a 2-unit bottleneck on MNIST gains 6 points an epoch at
// 0.2, eight epochs from 0.7: still underfitting; set on the dev part).
// A run of fewer than minJudgeSteps optimizer steps is not judged at all
// (detectInconclusive says so): 2 epochs of 1 step each on 16 images were
// told to use a larger model.
const (
	underfitJudgment = 0.3
	underfitAccuracy = 0.7
	underfitClimbing = 0.15
	underfitAccGain  = 0.05
	underfitAccel    = 1.5
)

func detectUnderfitting(s *Signals) *Finding {
	n := len(s.Epochs)
	if n < 2 || float64(n) < underfitJudgment*float64(s.Facts.PlannedEpochs) {
		return nil
	}
	if s.Steps() < minJudgeSteps { // too few steps to judge: inconclusive's
		return nil
	}
	acc, vacc := s.series("accuracy")[n-1], s.series("val_accuracy")[n-1]
	best := acc
	if !math.IsNaN(vacc) {
		best = max(acc, vacc)
	}
	if math.IsNaN(best) || best >= underfitAccuracy {
		return nil
	}
	if e := tooNarrow(s); e != nil {
		return tooSmallFinding(s, *e, best)
	}
	if best <= s.ChanceAccuracy()+stuckAccMargin || s.Live && !s.Final && !gotGoing(s) {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: n, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Underfitting: accuracy only %.3f after %d epochs", best, n)
	f.Evidence = []Evidence{evm("accuracy", best, underfitAccuracy, "accuracy %.4f, val_accuracy %.4f at epoch %d: the better is under %.2g, the accuracy this check expects of a model that fits its data (the underfitting bar of AUTOTRAINER, a training-problem checker)", acc, vacc, n, underfitAccuracy)}
	e := climbing(s)
	if e == nil {
		e = onPace(s)
	}
	if e == nil {
		e = stillLearning(s)
	}
	if e != nil {
		f.Severity = Info
		f.Title = fmt.Sprintf("Accuracy only %.3f after %d epochs, but still climbing", best, n)
		f.Evidence = append(f.Evidence, *e)
		f.Causes = []string{"not trained long enough"}
		f.Fixes = []string{epochsFix(s, 2)}
		return f
	}
	if sf := s.Facts.Sanity; sf != nil {
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("the sanity check overfit %d samples to loss %.3g", sf.Samples, float64(sf.FinalLoss))))
	}
	f.Causes = []string{"the model is too small for the task", "too much regularization (dropout)", "not trained long enough"}
	f.Fixes = []string{largerModelFix,
		"lower the Dropout rates (model.layers[i].rate)", epochsFix(s, 2)}
	return f
}

// climbing says why a run is still improving at its last epoch (nil when
// it is not): its training loss fell by underfitClimbing or more, or its
// training accuracy rose by underfitAccGain or more, fast enough to reach
// underfitAccuracy within as many epochs again as it has run.
func climbing(s *Signals) *Evidence {
	n := len(s.Epochs)
	if n < 2 {
		return nil
	}
	loss, acc := s.series("loss"), s.series("accuracy")
	if a, b := loss[n-2], loss[n-1]; a > 0 && (a-b)/a >= underfitClimbing {
		e := evm("loss_drop", (a-b)/a, underfitClimbing, "the training loss fell by %s in the last epoch (%.4g to %.4g)", pct((a-b)/a), a, b)
		return &e
	}
	for _, m := range []struct{ name, what string }{{"accuracy", "training"}, {"val_accuracy", "validation"}} {
		v := s.series(m.name)
		if len(v) < n {
			continue
		}
		if a, b := v[n-2], v[n-1]; b-a >= underfitAccGain && (underfitAccuracy-b)/(b-a) <= float64(n) {
			e := evm(m.name+"_gain", b-a, underfitAccGain, "the %s accuracy rose from %.3f to %.3f in the last epoch", m.what, a, b)
			return &e
		}
	}
	return takingOff(acc)
}

// onPace says whether a live run's training accuracy, at its mean gain
// over the last two epochs, reaches underfitAccuracy within the epochs
// its plan has left (nil: it does not, or none are left): before then
// underfitting is a forecast the plan may still prove wrong (issue 10,
// fifth round: a healthy 8-epoch separable-CNN run gaining 3-4 points an
// epoch was told it underfits at epoch 4 and reached 0.7 by its end). At
// the end of a run no epochs are left and the rule says nothing.
func onPace(s *Signals) *Evidence {
	n, acc := len(s.Epochs), s.series("accuracy")
	left := s.Facts.PlannedEpochs - n
	if s.Final || left <= 0 || n < 3 || len(acc) < n || !(acc[n-1] < underfitAccuracy) {
		return nil
	}
	g := (acc[n-1] - acc[n-3]) / 2
	if !(g > 0) || (underfitAccuracy-acc[n-1])/g > float64(left) {
		return nil
	}
	e := evm("accuracy_pace", g, (underfitAccuracy-acc[n-1])/float64(left),
		"the training accuracy gains %.3f an epoch over the last two: at that pace it reaches %.1f within the %d planned epoch(s) left", g, underfitAccuracy, left)
	return &e
}

// takingOff says whether a run's training accuracy gains are growing: the
// last epoch gained underfitAccGain or more and at least underfitAccel
// times the epoch before. A run leaving a slow start (a plateau near the
// uniform guess, then a fall) accelerates; a model too small or too
// regularized to fit gains less each epoch (issue 10, third round:
// healthy augmented and batch-64 icon runs gained 1-3 points in epoch 2
// and 7-8 in epoch 3, then 15-25 in epoch 4, and were told they underfit
// at epochs 2-3).
func takingOff(acc []float64) *Evidence {
	n := len(acc)
	if n < 3 {
		return nil
	}
	g0, g1 := acc[n-2]-acc[n-3], acc[n-1]-acc[n-2]
	if !(g1 >= underfitAccGain && g1 >= underfitAccel*max(g0, 0)) {
		return nil
	}
	e := evm("accuracy_gain", g1, underfitAccel*max(g0, 0), "the training accuracy gains are growing: %+.3f then %+.3f in the last two epochs (a slow start ending)", g0, g1)
	return &e
}

// A warning needs a plateau (issue 10, sixth round): a run that learns
// well above chance but is mediocre, its training loss still falling or
// its training accuracy still clearly rising over the last two epochs, is
// not shown to be too small or too regularized: more epochs are the
// first thing to try, and that is information. Healthy 4- and 5-class
// runs at 0.58-0.67 (cracks, augmented signs) fell 7-8% an epoch over
// their last two; models too small or too regularized to fit, and SGD at
// a tenth of its rate, fall by 1-5% an epoch (the measurement above), so
// underfitSlowLoss is the upper end of that. The accuracy's rise is
// judged by the two-proportion test on the training images (ClearlyAbove).
const (
	underfitSlowLoss = 0.05
	underfitWindow   = 2
)

// stillLearning says why a run is still learning over its last
// underfitWindow epochs (nil: it has plateaued, or has too few epochs):
// its training loss fell by underfitSlowLoss or more an epoch on average,
// or its training accuracy is clearly above its value underfitWindow
// epochs before (ClearlyAbove) at a mean gain that reaches
// underfitAccuracy within as many epochs again as the run has had (the
// pace climbing judges the last epoch on, smoothed over two).
func stillLearning(s *Signals) *Evidence {
	loss, acc := s.series("loss"), s.series("accuracy")
	n := len(loss)
	if n <= underfitWindow || len(acc) < n {
		return nil
	}
	k := n - 1 - underfitWindow
	if a, b := loss[k], loss[n-1]; a > 0 && finite(b) {
		if rate := 1 - math.Pow(b/a, 1/float64(underfitWindow)); rate >= underfitSlowLoss {
			e := evm("loss_rate", rate, underfitSlowLoss, "the training loss still falls by %s an epoch over the last %d (%.4g to %.4g): not a plateau",
				pct(rate), underfitWindow, a, b)
			return &e
		}
	}
	g := (acc[n-1] - acc[k]) / underfitWindow
	if nt := s.trainImages(); g > 0 && (underfitAccuracy-acc[n-1])/g <= float64(n) && ClearlyAbove(acc[n-1], nt, acc[k], nt) {
		e := evm("accuracy_rise", g, (underfitAccuracy-acc[n-1])/float64(n),
			"the training accuracy still rises clearly over the last %d epochs (%.3f to %.3f on %d images): at that pace it reaches %.1f within as many epochs again as it has run",
			underfitWindow, acc[k], acc[n-1], nt, underfitAccuracy)
		return &e
	}
	return nil
}

// gotGoing reports whether the training loss of the latest epoch is under
// unstuckLoss of where progress is measured from (not_learning's "got
// going"). Live, a run whose loss has not left its start is in a slow
// start or not learning (not_learning judges a stall): underfitting, a
// model that has learned what it can, is not judged on it (issue 10,
// sixth round: a healthy 4-class run at ln 4 for four epochs, training
// accuracy 0.32, was told it underfits at epoch 4 and reached 0.58 by its
// end at epoch 6). At the end of a run it is judged whatever the loss.
func gotGoing(s *Signals) bool {
	loss := s.series("loss")
	l0, ok := s.progressRef()
	return !ok || len(loss) == 0 || loss[len(loss)-1] < unstuckLoss*l0
}
