package diagnose

import "fmt"

// Label-noise thresholds. A training sample is a suspect when, in each of
// the last two epochs, it was misclassified with a loss above ln(classes),
// the model gave the other class 50% or more (confidently "wrong": the
// signature of a wrong label once the model learns the rest), and its
// loss did not fall since the epoch before. The share of suspects: 5% or
// more is a warning, 2.5% or more info (our measurement after 3 epochs of
// the basic CNN: clean MNIST 0.2-0.3%, Fashion-MNIST 1.0-1.2%, MNIST with
// 30% of labels flipped 8.8%). It only counts in a run that learns: a sane
// initial loss (within 2x of ln C) and a training loss down to 80% of it
// or less; a broken model is confidently wrong everywhere (40-50% suspects
// with a linear output or all-ones initialization). Duplicates whose
// labels disagree add evidence. A warning also needs at least
// noiseMinSuspects images (5% of 200): on a tiny or short run a handful of
// hard images reach 5% by themselves (issue 10, second round).
const (
	noiseWarn        = 0.05
	noiseInfo        = 0.025
	noiseLearned     = 0.8
	noiseMinSuspects = 10
)

func detectLabelNoise(s *Signals) *Finding {
	nf := s.Facts.Noise
	if nf == nil || nf.Epochs < 2 || nf.Samples == 0 {
		return nil
	}
	if !fitsTraining(s, nf) {
		return nil
	}
	if majorityOverPredicted(s) {
		// Minority images the model files under the majority class are
		// majority_class_bias' evidence, not wrong labels.
		return nil
	}
	f := confidentNoise(s, nf)
	if f != nil && f.Severity == Info && bnGapAtEnd(s) {
		// (see bnGapAtEnd)
		f = nil
	}
	if f == nil || f.Severity == Info {
		if g := stuckNoise(s, nf); g != nil {
			return g
		}
	}
	return f
}

// confidentNoise is the rule on confidently misclassified samples (the
// thresholds above).
func confidentNoise(s *Signals, nf *NoiseFacts) *Finding {
	share := float64(nf.Suspects) / float64(nf.Samples)
	if share < noiseInfo || smallClassHeld(s, nf.SuspectsByLabel) || oneSmallerClass(s, nf.SuspectsByLabel) {
		return nil
	}
	l0, ok := s.InitialLoss()
	loss := s.series("loss")
	if !ok || len(loss) == 0 || l0 > initLossHigh*s.ChanceLoss() || !(loss[len(loss)-1] <= noiseLearned*l0) {
		return nil
	}
	f := &Finding{Severity: Info, Epoch: nf.Epochs}
	falling := stuckFalling(s, nf)
	if share >= noiseWarn && nf.Suspects >= noiseMinSuspects && !falling {
		f.Severity = Warning
	}
	f.Title = fmt.Sprintf("Label noise suspected: %s of training images stay confidently misclassified", pct(share))
	f.Evidence = []Evidence{evm("suspect_share", share, noiseWarn, "%d of %d training images were misclassified with high loss in each of the last two epochs",
		nf.Suspects, nf.Samples)}
	if falling {
		// The images the model gets wrong the same way epoch after epoch
		// grow fewer: hard images it is learning (with two classes every
		// error is "confident"), information at most.
		f.Evidence = append(f.Evidence, ev("the images misclassified the same way epoch after epoch grow fewer: the model is still learning its hard images (information only)"))
	}
	noiseAdvice(s, f)
	return f
}

// noiseAdvice adds the listed files, conflicting duplicates, causes and
// fixes of a label-noise finding.
func noiseAdvice(s *Signals, f *Finding) {
	nf := s.Facts.Noise
	for i, w := range nf.Worst {
		if i == 10 {
			break
		}
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("%s: labelled %s, predicted %s (p=%.2f, loss %.2f)", w.Source, w.Label, w.Predicted, w.Confidence, w.Loss)))
	}
	if d := s.Facts.Data; d != nil && d.Dup != nil && d.Dup.Conflicting > 0 {
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("%d groups of duplicate images carry different labels", d.Dup.Conflicting)))
	}
	f.Causes = []string{"some images are filed under the wrong class", "some images are ambiguous or belong to no class"}
	f.Fixes = []string{"review the listed files and move or remove the mislabelled ones",
		"stop before the model memorizes the noise: " + patienceFix}
}

// Label noise early in a run (issue 10, third round): 30-40% of labels
// flipped, the model at 0.2-0.5 accuracy and no image yet confidently
// wrong, but the model predicts one and the same other class for a
// sample in consecutive epochs, with a loss above ln C: a share of
// noiseStuck or more of the training images is a warning. Measured at
// the last epoch: 30-40% noise on scenes, glyphs, grain and icons
// 8.6-24.3% (9 runs); healthy runs 0.5-7.4% (scenes, augmented scenes,
// icons, batch 64, glyphs; 14 runs). It needs three classes or more (with
// two the only other class is always the same), a run whose evaluation
// is clearly above chance, at least noiseMinSuspects such images, and
// the images spread over the labels: no label holds more than
// noiseStuckLabel of them (a small class the model does not yet
// recognize is not noise). And a wrong label on a clear image is
// predicted as surely as the right ones: the mean probability of the
// stuck images' predicted class is at least noiseStuckConf of that of the
// correctly classified images (measured: 0.92-1.15 with noise, 0.77-0.90
// on healthy scenes and 0.86-0.98 on low-contrast scenes, a healthy
// configuration whose images are hard to tell apart).
//
// The share must be clearly above noiseStuck (the Wilson 95% lower bound
// on the training images), and not clearly lower than at the epoch before
// (stuckFalling): a model still learning its hard images gets fewer of
// them wrong each epoch, while a wrong label is never learned until it is
// memorized (issue 10, sixth round: healthy 4-class cracks runs, two
// classes of which are hard to tell apart, had 13.4% stuck images at
// their end, down from 28% and 35% in the two epochs before, as the
// model took off; an augmented signs run had 8.9-9.8% for three epochs
// at training accuracy 0.4-0.46, 95% lower bound 0.065; the 35-45% noise
// runs of the same part ended at 18-27%, level or rising).
const (
	noiseStuck      = 0.08
	noiseStuckLabel = 0.5
	noiseStuckConf  = 0.9
)

// stuckFalling reports whether the stuck share of the last epoch is
// clearly below that of the epoch before, or clearly below the mean of
// the epochs before it that count (learnedEpochs): the two-proportion
// test on the training images; of those epochs, the earlier half (at
// least two): a model learning its hard images gets fewer of them wrong
// as the epochs pass, if not from each epoch to the next, while a share
// level with the epochs before is noise that stays (issue 10, ninth round (b): healthy two- and three-class tracks
// runs ended at 7.6-11.4% stuck, down from 16-27% on average before; the
// 30-40% noise runs of the same part ended at 20-22%, level with their
// mean).
func stuckFalling(s *Signals, nf *NoiseFacts) bool {
	h := nf.StuckHistory
	if len(h) < 2 || !valLossRecent(s) {
		return false
	}
	last := h[len(h)-1]
	if ClearlyAbove(h[len(h)-2], nf.Samples, last, nf.Samples) {
		return true
	}
	before := learnedEpochs(s, h)
	if len(before) < 2 {
		return false
	}
	before = before[:max(2, (len(before)+1)/2)]
	mean := 0.0
	for _, x := range before {
		mean += x
	}
	return ClearlyAbove(mean/float64(len(before)), nf.Samples, last, nf.Samples)
}

// valLossRecent reports whether the validation loss is at its lowest in
// one of the last gapEpochs epochs (true without one): a model learning
// its hard images learns what carries over. One whose stuck share falls
// while its validation loss has risen for longer is memorizing the
// wrong labels one by one (a stranger's 32.5% noise on 5 classes: stuck
// 27.5% -> 15.6% over epochs 5-15, validation loss lowest at epoch 5,
// 1.07 -> 1.29, accuracy flat at 0.69: "learning effectively").
func valLossRecent(s *Signals) bool {
	val := s.series("val_loss")
	n := len(val)
	if n == 0 {
		return true
	}
	m := -1
	for i, v := range val {
		if finite(v) && (m < 0 || v < val[m]) {
			m = i
		}
	}
	return m < 0 || m >= n-gapEpochs
}

// learnedEpochs are the stuck shares of the epochs before the last (from
// the second tracked epoch, the first that can count one) whose training
// accuracy was at least a quarter of the way from chance to 1. Before
// that the model predicts a few classes for nearly every image, and whole
// classes are "stuck" whatever their labels: a 35%-noise run on 5 classes
// had 27% and 40% stuck at training accuracy 0.25, then 13-16% for the
// five epochs from 0.41 to its end at 0.54, and its mean over all epochs
// called the last 15.3% a fall (issue 10, ninth round (c): "learning
// effectively" at 0.53 on 5 classes). The history's last entry is the
// last epoch's.
func learnedEpochs(s *Signals, h []float64) []float64 {
	acc := s.series("accuracy")
	chance := s.ChanceAccuracy()
	var out []float64
	for i := 1; i < len(h)-1; i++ {
		e := len(acc) - len(h) + i
		if e >= 0 && e < len(acc) && acc[e] >= chance+(1-chance)/4 {
			out = append(out, h[i])
		}
	}
	return out
}

func stuckNoise(s *Signals, nf *NoiseFacts) *Finding {
	if s.NumClasses() < 3 || nf.Stuck < noiseMinSuspects || tooNarrow(s) != nil {
		// (a model too narrow to separate the classes confuses them the
		// same way epoch after epoch: underfitting's)
		return nil
	}
	share := float64(nf.Stuck) / float64(nf.Samples)
	if lo, _ := WilsonInterval(share, nf.Samples); lo <= noiseStuck || stuckFalling(s, nf) {
		return nil
	}
	if top, _ := majority(nf.StuckByLabel); top > noiseStuckLabel || smallClassHeld(s, nf.StuckByLabel) {
		return nil
	}
	if nf.CorrectConf > 0 && nf.StuckConf < noiseStuckConf*nf.CorrectConf {
		return nil
	}
	if j, ok := s.judge(); !ok || !j.Above {
		return nil
	}
	f := &Finding{Severity: Warning, Epoch: nf.Epochs}
	f.Title = fmt.Sprintf("Label noise suspected: %s of training images are predicted as the same other class epoch after epoch", pct(share))
	f.Evidence = []Evidence{evm("stuck_share", share, noiseStuck,
		"%d of %d training images were predicted as one and the same class other than their label in each of the last two epochs, with a loss above ln(%d) (healthy runs: under 8%%)",
		nf.Stuck, nf.Samples, s.NumClasses()),
		evm("stuck_confidence", nf.StuckConf, noiseStuckConf*nf.CorrectConf,
			"they are predicted as surely as the correctly classified images (mean probability %.2f vs %.2f): clear images under a wrong label", nf.StuckConf, nf.CorrectConf)}
	noiseAdvice(s, f)
	return f
}

// majorityOverPredicted reports whether, in imbalanced data, the latest
// per-class evaluation predicts the largest class overPredicted more
// often than it occurs, or for collapseShare of all images.
func majorityOverPredicted(s *Signals) bool {
	d := s.Facts.Data
	if d == nil || d.Imbalance < imbalanceBias || len(d.TrainCounts) < 2 {
		return false
	}
	v, _ := s.biasEval()
	_, big := majority(d.TrainCounts)
	if v == nil || big < 0 || big >= len(v.Pred) {
		return false
	}
	total := 0
	for _, c := range v.Support {
		total += c
	}
	if total == 0 {
		return false
	}
	// The same rule as majority_class_bias: over-predicted, or collapsed.
	excess := float64(v.Pred[big]-v.Support[big]) / float64(total)
	return excess >= overPredicted || float64(v.Pred[big])/float64(total) >= collapseShare
}

// smallClassHeld reports whether, in imbalanced data, more than
// noiseStuckLabel of the images counted (by label) carry one label that
// is not the largest training class: a small class the model has not learned yet, or one that class
// weights push it to; with class weights on, any one class (issue 10,
// item 2: label_noise listed every minority image; third round: a
// weighted 85:15 set's 16 "suspects").
func smallClassHeld(s *Signals, byLabel []int) bool {
	top, k := majority(byLabel)
	d := s.Facts.Data
	if top <= noiseStuckLabel || d == nil || len(d.TrainCounts) < 2 || d.Imbalance < imbalanceBias {
		return false
	}
	_, big := majority(d.TrainCounts)
	return k != big || d.Weighted
}

// oneSmallerClass reports whether, in a two-class set, the suspects'
// labels are spread as no uniform label noise spreads them: the smaller
// class's label holds clearly more of them (the Wilson 95% lower bound)
// than its share of flipped labels, (N - n_k) / ((C-1) N) of them (with
// two classes, the other class's share). That is a smaller class the
// model has not learned yet (issue 10, sixth round (d): healthy 180:90
// two-class boards runs still leaving their slow start at epochs 10-13,
// 21 suspects at 7.8%, the worst ten all labelled "defect" and predicted
// "good"; flipped labels there would be 60% "defect", 40% "good").
func oneSmallerClass(s *Signals, byLabel []int) bool {
	d := s.Facts.Data
	if d == nil || len(d.TrainCounts) != 2 || len(byLabel) != 2 {
		return false
	}
	total, n := 0, 0
	for k := range byLabel {
		total += byLabel[k]
		n += d.TrainCounts[k]
	}
	_, k := majority(byLabel)
	_, big := majority(d.TrainCounts)
	if total == 0 || n == 0 || k < 0 || k == big || d.TrainCounts[k] == d.TrainCounts[big] {
		return false
	}
	c := float64(len(d.TrainCounts))
	expected := float64(n-d.TrainCounts[k]) / ((c - 1) * float64(n))
	lo, _ := WilsonInterval(float64(byLabel[k])/float64(total), total)
	return lo > expected
}

// fitsTraining reports whether the model fits its training images clearly
// better than chance (the last epoch's training accuracy, on the images
// the noise tracker saw): misclassified images are evidence of wrong
// labels only once the model has learned the rest. A model held near
// chance by its own settings (Dropout 0.8, a learning rate far off) gets
// the same images wrong epoch after epoch whatever their labels (issue
// 10, fourth round: Dropout(0.8) on terrain, training accuracy 0.27 on 4
// classes, 10.6-11.1% "stuck" images, named label noise).
func fitsTraining(s *Signals, nf *NoiseFacts) bool {
	acc := s.series("accuracy")
	if len(acc) == 0 || !finite(acc[len(acc)-1]) {
		return true
	}
	return AboveChance(acc[len(acc)-1], nf.Samples, s.ChanceAccuracy())
}
