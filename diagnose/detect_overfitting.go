package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Overfitting thresholds.
//
//   - The validation loss rose for at least 2 epochs after its minimum, by
//     more than max(0.01, 5% of the minimum), while the training loss fell
//     by more than 0.01 (AUTOTRAINER's test_turn_bad: train loss down and
//     test loss up by more than epsilon = 10e-3 in consecutive epochs).
//     Since is the first epoch after the minimum.
//   - Warning when the gap is also large: training accuracy minus validation
//     accuracy at least 0.1 (training accuracy up to 0.9) or 0.07 (above)
//     (AUTOTRAINER's test_not_well), or a validation loss, averaged over 2
//     epochs, 1.5x its lowest 2-epoch average or more (a small validation
//     split is noisy: 200 MNIST images swing 30% from epoch to epoch);
//     info otherwise. (SageMaker Debugger's Overfit rule flags
//     (val_loss - loss)/loss > 0.1, which most healthy CNN runs exceed, so
//     it is not used.)
const (
	overfitEpsilon  = 0.01
	overfitRelRise  = 0.05
	overfitGapLow   = 0.1
	overfitGapHigh  = 0.07
	overfitLossRise = 1.5
)

func detectOverfitting(s *Signals) *Finding {
	f := overfitting(s)
	if f == nil || f.Severity == Info {
		return f
	}
	if f = restoredBefore(s, f); f.Severity != Info {
		atChanceOverfit(s, f)
	}
	return f
}

// overfitting is the strongest of the three rules' findings.
func overfitting(s *Signals) *Finding {
	f := overfitByValLoss(s)
	if f == nil || f.Severity == Info {
		if g := overfitByGap(s); g != nil {
			return g
		}
		if g := overfitByPersistentGap(s); g != nil {
			return g
		}
	}
	return f
}

// A warning needs the rise to persist in the validation loss's 2-epoch
// means (sm), the series the 1.5x rule already judges: their lowest is
// at least 2 epochs before the last and the last is above it by the same
// margin, max(overfitEpsilon, overfitRelRise of the lowest). A rise that
// the means show for one epoch only is a blip of a noisy split:
// information (issue 10, sixth round: a healthy BatchNormalization +
// dropout run on 48 validation images, its validation loss 0.82, 1.21,
// 0.77, 0.88, 0.94 in epochs 4-8 and its accuracy 0.65 both at the
// lowest and at the end, was told it overfits; its 2-epoch means are
// 1.02, 0.99, 0.83, 0.91). A rise the means hold for gapEpochs epochs
// or more is no blip, however small (sixth round (d): 40 training
// leaves, a 2.0M-parameter head, 30 epochs: 2-epoch means lowest at
// epoch 24, 1.22, then 1.24-1.32 to the end while the training loss fell
// from 0.70 to 0.52, accuracy 0.85 against 0.45: called a blip). The
// memorization and persistent-gap rules,
// which judge the accuracies, still apply.
func smoothedBlip(sm []float64) (Evidence, bool) {
	n, m := len(sm), lowestMean(sm)
	if m < 0 || n-1-m >= 2 && sm[n-1]-sm[m] > max(overfitEpsilon, overfitRelRise*sm[m]) || n-1-m >= gapEpochs && sm[n-1] > sm[m] {
		return Evidence{}, false
	}
	return evm("val_loss_mean_rise", sm[n-1]-sm[m], max(overfitEpsilon, overfitRelRise*sm[m]),
		"over 2-epoch means the validation loss is %.3g, its lowest %.3g at epochs %d-%d (%d epoch(s) ago): not two epochs of a clear rise, a blip of a noisy validation split",
		sm[n-1], sm[m], m, m+1, n-1-m), true
}

// lowestMean is the index of the lowest finite 2-epoch mean of the
// validation loss (from the second epoch, the first mean of two; -1:
// none).
func lowestMean(sm []float64) int {
	m := -1
	for i := 1; i < len(sm); i++ {
		if finite(sm[i]) && (m < 0 || sm[i] < sm[m]) {
			m = i
		}
	}
	return m
}

// The validation loss of a small split swings from epoch to epoch by
// more than a slow rise moves it. A rise of the 2-epoch means (lowest
// to last, as smoothedBlip measures it) within riseNoise times the
// median epoch-to-epoch change of the validation loss since the lowest
// mean (at least three changes, the last riseNoiseEpochs at most; the
// fall before it is a trend, not noise) is that swing, not a trend (issue 10, ninth
// round (c): healthy RMSprop on 30 two-class validation images, its
// validation loss zigzagging 0.51-0.58 by 0.03-0.07 an epoch, its means
// 0.52 -> 0.57, validation accuracy 0.80-0.83: warned of overfitting;
// seventh part: an AdamW run on 30 images, 0.26, 0.37, 0.29 in its last
// epochs, means 0.30 -> 0.33). A clean rise moves the means by about one
// change an epoch: over three epochs or more it is past the bound. It
// applies only while the accuracy gap is within the noise too (clearGap).
const (
	riseNoise       = 2
	riseNoiseEpochs = 8
)

// clearGap reports whether training accuracy a is clearly above
// validation accuracy va (ClearlyAbove on the training images and the
// validation split): a gap no split's noise makes is evidence of
// overfitting whatever the validation loss does (36 training rosettes at
// 0.69 against 0.28 on 36 validation images).
func clearGap(s *Signals, a, va float64) bool {
	j, ok := s.judge()
	return ok && strings.HasPrefix(j.Split, "validation") && ClearlyAbove(a, s.trainImages(), va, j.N)
}

// riseWithinNoise applies the rule above to the validation loss val and
// its 2-epoch means sm.
func riseWithinNoise(val, sm []float64) (Evidence, bool) {
	n, m := len(val), lowestMean(sm)
	var d []float64
	for i := max(1, m, n-riseNoiseEpochs); i < n; i++ {
		if finite(val[i]) && finite(val[i-1]) {
			d = append(d, math.Abs(val[i]-val[i-1]))
		}
	}
	if m < 0 || len(d) < 3 {
		return Evidence{}, false
	}
	slices.Sort(d)
	swing, rise := d[len(d)/2], sm[n-1]-sm[m]
	if rise > riseNoise*swing {
		return Evidence{}, false
	}
	return evm("val_loss_mean_rise", rise, riseNoise*swing,
		"over 2-epoch means the validation loss rose %.3g (from %.3g at epochs %d-%d to %.3g), within %d times its median change from one epoch to the next (%.3g): the swing of a small validation split, not a trend",
		rise, sm[m], m, m+1, sm[n-1], riseNoise, swing), true
}

// Memorization thresholds: the validation loss need not rise for a model
// to overfit; one that memorizes a small training set can keep it flat.
// After at least 3 epochs, training accuracy (the epoch's) is 0.99 or more
// in the last 2 epochs, it exceeds validation accuracy by the gap above
// (0.07) in both, and the training loss is under a tenth of the
// validation loss: warning. (Our measurement: 200 MNIST images and a
// 670k-parameter dense model reach accuracy 1.0 against 0.86 on
// validation, loss 0.003 against 0.45, with val_loss flat from epoch 7;
// the healthy runs of the evaluation stay under a 0.03 gap.)
const (
	memorizedAccuracy = 0.99
	memorizedLossRate = 0.1
)

func overfitByGap(s *Signals) *Finding {
	acc, vacc := s.series("accuracy"), s.series("val_accuracy")
	tr, val := s.series("loss"), s.series("val_loss")
	n := len(acc)
	if n < 3 {
		return nil
	}
	holds := func(e int) bool {
		return acc[e] >= memorizedAccuracy && acc[e]-vacc[e] >= overfitGapHigh && tr[e] < memorizedLossRate*val[e]
	}
	if !holds(n-1) || !holds(n-2) {
		return nil
	}
	since := n - 2
	for since > 0 && acc[since-1]-vacc[since-1] >= overfitGapHigh {
		since--
	}
	f := &Finding{Severity: Warning, Epoch: n, Since: since + 1, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Overfitting: the training set is memorized (accuracy %.3f vs %.3f on validation)", acc[n-1], vacc[n-1])
	f.Evidence = []Evidence{
		evm("accuracy_gap", acc[n-1]-vacc[n-1], overfitGapHigh, "accuracy %.4f vs val_accuracy %.4f at epoch %d; the gap is %.2f or more since epoch %d",
			acc[n-1], vacc[n-1], n, overfitGapHigh, since+1),
		evm("loss_ratio", tr[n-1]/val[n-1], memorizedLossRate, "loss %.4g vs val_loss %.4g", tr[n-1], val[n-1]),
	}
	f.Causes = []string{"the model memorizes a training set that is small for its size", "no augmentation or dropout"}
	f.Fixes = []string{augmentFix, addDropoutFix,
		moreImagesFix(s), "use a smaller model", patienceFix}
	return f
}

// overfitByValLoss: the validation loss rose while the training loss fell.
func overfitByValLoss(s *Signals) *Finding {
	val, tr := s.series("val_loss"), s.series("loss")
	n := len(val)
	if n < 3 {
		return nil
	}
	m := -1
	for i, v := range val {
		if !math.IsNaN(v) && (m < 0 || v < val[m]) {
			m = i
		}
	}
	if m < 0 || n-1-m < 2 {
		return nil
	}
	rise := val[n-1] - val[m]
	if rise <= max(overfitEpsilon, overfitRelRise*val[m]) || !(tr[n-1] < tr[m]-overfitEpsilon) {
		return nil
	}
	f := &Finding{Severity: Info, Epoch: n, Since: m + 2, Step: int(s.Epochs[n-1]["step"])}
	f.Evidence = []Evidence{
		{Text: fmt.Sprintf("val_loss rose from %.4g (epoch %d) to %.4g (epoch %d) while loss fell from %.4g to %.4g",
			val[m], m+1, val[n-1], n, tr[m], tr[n-1]), Metric: "val_loss", Value: val[n-1], Threshold: val[m], Epoch: n},
	}
	acc, vacc := s.series("accuracy"), s.series("val_accuracy")
	gap := acc[n-1] - vacc[n-1]
	limit := overfitGapLow
	if acc[n-1] > 0.9 {
		limit = overfitGapHigh
	}
	if !math.IsNaN(gap) {
		f.Evidence = append(f.Evidence, evm("accuracy_gap", gap, limit, "accuracy %.4f vs val_accuracy %.4f (gap %.3f; large from %.2f)", acc[n-1], vacc[n-1], gap, limit))
	}
	sm := make([]float64, n)
	lowest := math.Inf(1)
	for i := range val {
		sm[i] = val[i]
		if i > 0 {
			sm[i] = (val[i-1] + val[i]) / 2
		}
		if i < n-1 && !math.IsNaN(sm[i]) {
			lowest = min(lowest, sm[i])
		}
	}
	if gap >= limit || sm[n-1] >= overfitLossRise*lowest {
		f.Severity = Warning
		if e, ok := smoothedBlip(sm); ok {
			f.Severity = Info
			f.Evidence = append(f.Evidence, e)
		} else if e, ok := riseWithinNoise(val, sm); ok && !clearGap(s, acc[n-1], vacc[n-1]) {
			f.Severity = Info
			f.Evidence = append(f.Evidence, e)
		}
	}
	f.Title = fmt.Sprintf("Overfitting since epoch %d: val_loss rose from %.3g to %.3g", m+2, val[m], val[n-1])
	f.Causes = []string{"the model memorizes a training set that is small for its size", "no augmentation or dropout", "training past the best epoch"}
	f.Fixes = []string{patienceFix, augmentFix, addDropoutFix,
		moreImagesFix(s)}
	return f
}

// Persistent-gap thresholds: a model can overfit a tiny training set
// without memorizing it to the last image or its validation loss rising
// (dropout-free dense models on 50-75 images: training accuracy 0.9-0.98
// for epochs while validation sits at 0.5-0.7, its loss still falling
// slowly; issue 10, fourth round). After at least gapMinEpochs epochs,
// over the last gapEpochs: the gap is overfitGapLow (AUTOTRAINER's) or
// more in each, the mean training accuracy is gapTrainAcc or more, the
// mean gap gapLarge or more, the mean training accuracy above the upper
// end of the validation accuracy's 95% interval (a small split's noise
// does not make the gap), and the validation accuracy clearly above
// chance (at chance the run is not learning: not_learning's); and not
// in a model still improving (stillImproving).
const (
	gapEpochs    = 3
	gapMinEpochs = 5
	gapTrainAcc  = 0.9
	gapLarge     = 0.2
)

func overfitByPersistentGap(s *Signals) *Finding {
	acc, vacc := s.series("accuracy"), s.series("val_accuracy")
	n := len(acc)
	if n < gapMinEpochs || len(vacc) < n {
		return nil
	}
	ta, va := 0.0, 0.0
	for e := n - gapEpochs; e < n; e++ {
		if !finite(acc[e]) || !finite(vacc[e]) || acc[e]-vacc[e] < overfitGapLow {
			return nil
		}
		ta += acc[e] / gapEpochs
		va += vacc[e] / gapEpochs
	}
	j, ok := s.judge()
	if !ok || j.Split != "validation" || !j.Above || ta < gapTrainAcc || ta-va < gapLarge || stillImproving(s) {
		return nil
	}
	if _, hi := WilsonInterval(va, j.N); ta <= hi {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: n, Since: n - gapEpochs + 1, Step: int(s.Epochs[n-1]["step"])}
	f.Title = fmt.Sprintf("Overfitting: training accuracy %.2f vs %.2f on validation over the last %d epochs", ta, va, gapEpochs)
	f.Evidence = []Evidence{
		evm("accuracy_gap", ta-va, gapLarge, "mean accuracy %.3f vs val_accuracy %.3f over epochs %d-%d (each gap %.2f or more)",
			ta, va, n-gapEpochs+1, n, overfitGapLow),
		ev(fmt.Sprintf("the training accuracy is above the validation accuracy's 95%% interval on %d images: not the split's noise", j.N)),
	}
	f.Causes = []string{"the model memorizes a training set that is small for its size", "no augmentation or dropout"}
	f.Fixes = []string{augmentFix, addDropoutFix,
		moreImagesFix(s), "use a smaller model", patienceFix}
	return f
}

// stillImproving reports whether a run's accuracy gap is that of a model
// still improving on held-out data: its validation loss is at its lowest
// in the latest epoch and its training accuracy clearly rose over the gap
// window (ClearlyAbove on the training images). Stopping there gives no
// better model (early stopping's criteria all wait for the validation
// loss to leave its minimum); a model that has converged on a small
// training set while validation stays behind is overfitting (issue 10,
// fifth round: a BatchNormalization + dropout run of 6 epochs on 675
// images, training accuracy 0.87 -> 0.94 over the window, validation loss
// at its lowest, 0.78, in the last epoch, was told it overfits).
func stillImproving(s *Signals) bool {
	val, acc := s.series("val_loss"), s.series("accuracy")
	n := len(acc)
	if n < gapEpochs || len(val) < n {
		return false
	}
	for _, v := range val[:n-1] {
		if !(val[n-1] < v) {
			return false
		}
	}
	nt := s.trainImages()
	return ClearlyAbove(acc[n-1], nt, acc[n-gapEpochs], nt)
}

// trainImages is the number of training images (0: unknown).
func (s *Signals) trainImages() int {
	nt := 0
	if d := s.Facts.Data; d != nil {
		for _, c := range d.TrainCounts {
			nt += c
		}
	}
	return nt
}
