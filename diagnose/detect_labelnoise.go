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
	share := float64(nf.Suspects) / float64(nf.Samples)
	if share < noiseInfo {
		return nil
	}
	if majorityOverPredicted(s) {
		// Minority images the model files under the majority class are
		// majority_class_bias' evidence, not wrong labels.
		return nil
	}
	l0, ok := s.InitialLoss()
	loss := s.series("loss")
	if !ok || len(loss) == 0 || l0 > initLossHigh*s.ChanceLoss() || !(loss[len(loss)-1] <= noiseLearned*l0) {
		return nil
	}
	f := &Finding{Severity: Info, Epoch: nf.Epochs}
	if share >= noiseWarn && nf.Suspects >= noiseMinSuspects {
		f.Severity = Warning
	}
	f.Title = fmt.Sprintf("Label noise suspected: %s of training images stay confidently misclassified", pct(share))
	f.Evidence = []Evidence{evm("suspect_share", share, noiseWarn, "%d of %d training images were misclassified with high loss in each of the last two epochs",
		nf.Suspects, nf.Samples)}
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
