package diagnose

import (
	"fmt"
	"math"
)

// What the history of the BatchNormalization probe (one per epoch end)
// says about a training/inference gap beyond its latest value.
//
// A gap that stays to the end of a long run is no passing trail of fast
// early weights: a stranger's mobilenet-v2-small at momentum 0.99, 44
// epochs (396 steps, 0.99^396 = 0.019 of the start kept: "caught up" by
// bnStartShare), scored 1.00 in training mode and 0.34 in inference mode
// at every probe from epoch 2 to 44, its validation at chance 0.333 all
// run, and was told "nothing yet: watch whether the gap stays". At the end
// of a run whose gap held over bnGapProbes probes or more, from the first
// half of the run, the cause and fixes are the gap's own (bnStayingGap).
//
// A gap that grows while the moving statistics get more steps is not one
// of too few steps: a stranger's vgg-small (momentum 0.99, 9 steps an
// epoch) scored 0.81, 0.75, 0.66, 0.56 in inference mode on the training
// images at epochs 3, 6, 7, 8 (inference loss 0.25 to 4.3) while training
// mode stayed at 1.00, its validation accuracy falling 0.73 to 0.47, and
// was told its statistics lacked steps and to train longer (bnGrowingGap).
const bnGapProbes = 3

// bnGapSince is the first probe of the latest unbroken run of probes with
// an accuracy gap of bnAccGap or more, and their number (0: none).
func bnGapSince(s *Signals) (ProbeFacts, int) {
	ps := s.Facts.BNProbe
	k := len(ps)
	for k > 0 && ps[k-1].TrainModeAcc-ps[k-1].InferenceModeAcc >= bnAccGap {
		k--
	}
	if k == len(ps) {
		return ProbeFacts{}, 0
	}
	return ps[k], len(ps) - k
}

// bnStayingGap reports whether an ended run's gap held over bnGapProbes
// probes or more since the first half of its epochs.
func bnStayingGap(s *Signals) (ProbeFacts, bool) {
	first, n := bnGapSince(s)
	if s.Live && !s.Final || n < bnGapProbes {
		return first, false
	}
	return first, 2*first.Epoch <= len(s.Epochs)
}

// bnGrowingGap reports whether, over the last bnGapProbes probes, the
// inference-mode accuracy fell and its loss rose at each probe while the
// training-mode accuracy did not fall: the gap widened with more steps.
func bnGrowingGap(s *Signals) bool {
	ps := s.Facts.BNProbe
	if len(ps) < bnGapProbes {
		return false
	}
	ps = ps[len(ps)-bnGapProbes:]
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		if !(b.InferenceModeAcc < a.InferenceModeAcc && b.InferenceLoss > a.InferenceLoss && b.TrainModeAcc >= a.TrainModeAcc) {
			return false
		}
	}
	return true
}

// bnGrowingCause gives a lag finding whose gap widened with more steps
// its cause and fixes: not too few steps (training longer made it worse)
// but statistics that keep moving faster than the momentum follows.
func bnGrowingCause(s *Signals, f *Finding) {
	ps := s.Facts.BNProbe
	a, b := ps[len(ps)-bnGapProbes], ps[len(ps)-1]
	m, _ := bnCaughtUp(s, 0)
	f.Evidence = append(f.Evidence, ev(fmt.Sprintf("the gap grew with more steps: inference-mode accuracy %.3f to %.3f and loss %.3g to %.3g from epoch %d to %d, training mode %.3f to %.3f",
		a.InferenceModeAcc, b.InferenceModeAcc, a.InferenceLoss, b.InferenceLoss, a.Epoch, b.Epoch, a.TrainModeAcc, b.TrainModeAcc)))
	f.Causes = []string{fmt.Sprintf("the layers' batch statistics keep moving (the weights still change as the training loss falls) faster than momentum %.3g lets the moving statistics follow: more steps made the gap wider, not narrower", m),
		"training past the best epoch"}
	f.Fixes = nonEmpty(bnMomentumFix(s), patienceFix)
}

// bnStayingFinding is the finding for a gap that stayed to the end of a
// run whose moving statistics forgot their start by bnStartShare (m the
// highest momentum): what can keep it, and what to change.
func bnStayingFinding(s *Signals, p, first ProbeFacts, m float64) *Finding {
	steps := s.stepOfEpoch(p.Epoch)
	kept := math.Pow(m, float64(steps))
	f := &Finding{Severity: Info, Epoch: p.Epoch, Step: steps, Since: first.Epoch}
	f.Title = fmt.Sprintf("BatchNormalization gap: accuracy %.2f in training mode, %.2f in inference mode on the same images, from epoch %d to the run's end (epoch %d)",
		p.TrainModeAcc, p.InferenceModeAcc, first.Epoch, len(s.Epochs))
	f.Evidence = []Evidence{
		evm("bn_accuracy_gap", p.TrainModeAcc-p.InferenceModeAcc, bnAccGap, "the gap was %.2f or more at every probe from epoch %d to %d: no passing trail of fast early weights",
			bnAccGap, first.Epoch, p.Epoch),
		evm("bn_start_share", kept, bnStartShare, "momentum %.3g after %d steps keeps %.2g of the initial statistics (mean 0, variance 1)", m, steps, kept),
	}
	if need := bnStepsToForget(m); steps < need {
		f.Causes = append(f.Causes, fmt.Sprintf("moving variances still off: a share %.2g of the initial variance 1 is a large error next to a layer variance a hundredth of it (about %d steps to forget at momentum %.3g)", kept, need, m))
	}
	f.Causes = append(f.Causes, "each batch's statistics differ from those over the whole training set (batches not shuffled, one class or source per batch, small batches), so the moving averages match no batch the model trained on")
	var shuffle string
	if s.Spec != nil && s.Spec.Fit.NoShuffle {
		shuffle = "shuffle the training images each epoch: remove fit.no_shuffle"
	}
	epochs, _ := bnEpochsFix(s)
	f.Fixes = nonEmpty(bnMomentumFix(s), shuffle, batchFix32(s), epochs,
		"train the same model without its BatchNormalization layers (or a model without them) to confirm they make the gap")
	return f
}

// bnGapAtEnd reports whether the BatchNormalization probe at the last
// epoch scored bnAccGap or more lower in inference mode than in training
// mode on the same training images. The label-noise tracker sees the
// training steps' outputs (batch statistics); while the moving
// statistics give other answers on the very same images, the model's
// predictions are not settled, and a few confidently wrong images
// (information, under noiseWarn) are no evidence of wrong labels: a
// stranger's mobilenet-v2-small on clean labels, 4 epochs, 0.66 against
// 0.34 in inference mode, listed "label noise suspected: 4.1%" as its
// underfitting's first cause.
func bnGapAtEnd(s *Signals) bool {
	n := len(s.Facts.BNProbe)
	if n == 0 {
		return false
	}
	p := s.Facts.BNProbe[n-1]
	return p.Epoch == len(s.Epochs) && p.TrainModeAcc-p.InferenceModeAcc >= bnAccGap
}
