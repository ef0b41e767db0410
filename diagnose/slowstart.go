package diagnose

import "math"

// A slow start (issue 10, sixth round (d)). A small two-class set often
// sits at its larger class for many epochs and then learns: healthy
// 300-image boards runs (60:40, 15-17 steps an epoch) predicted the
// larger class for every validation image for 7-8 epochs, were called
// "not learning" live at step 119-120, and ended at 0.83-0.97. What told
// them from a run that never learns was in their losses, not in their
// accuracy: the training loss of the epoch was under stuckLoss (97%, the
// loss rule's own stall line) of the loss of a constant prediction of the
// class shares (0.640 and 0.595-0.643 against 0.673), and the validation
// loss no higher than a constant prediction of the validation split's
// shares (0.60-0.666 against 0.673): the model's outputs had begun to
// depend on the image, in a way that also held on images it never
// trained on. Shuffled labels (six parts' 240-300-image two-class
// scenarios, 3 seeds) leave the training loss at the constant's
// (0.69-0.70 against 0.693) until memorization lowers it, and then the
// validation loss rises above the constant's. Live only: the final
// diagnosis judges a run at chance whatever its losses.

// priorLoss is the cross-entropy of the best constant prediction for
// images with these class counts: the entropy of their shares (0: none).
func priorLoss(counts []int) float64 {
	n := 0
	for _, c := range counts {
		n += c
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log(p)
		}
	}
	return h
}

// trainPriorLoss is priorLoss of the training class counts, or the
// uniform guess's loss when the counts are unknown or class weights or
// resampling change the shares the loss sees.
func (s *Signals) trainPriorLoss() float64 {
	c := s.ChanceLoss()
	if d := s.Facts.Data; d != nil && !d.Weighted && len(d.TrainCounts) > 1 {
		if h := priorLoss(d.TrainCounts); h > 0 {
			c = min(c, h)
		}
	}
	return c
}

// slowStart is the evidence that a run whose validation accuracy sits at
// chance is leaving its start (the rule above); ok false when there is
// none or no validation loss to tell learning from memorization.
func slowStart(s *Signals) (Evidence, bool) {
	tr, val := s.series("loss"), s.series("val_loss")
	if len(tr) == 0 || len(val) == 0 || len(s.Facts.Val) == 0 {
		return Evidence{}, false
	}
	lt, lv := tr[len(tr)-1], val[len(val)-1]
	ht, hv := s.trainPriorLoss(), priorLoss(s.Facts.Val[len(s.Facts.Val)-1].Support)
	if !finite(lt) || !finite(lv) || ht <= 0 || hv <= 0 || lt >= stuckLoss*ht || lv > hv {
		return Evidence{}, false
	}
	return evm("loss_vs_constant", lt/ht, stuckLoss,
		"training loss %.3g is under %.0f%% of a constant prediction's %.3g and validation loss %.3g is not above a constant prediction's %.3g: a slow start, judged again at the end",
		lt, 100*stuckLoss, ht, lv, hv), true
}
