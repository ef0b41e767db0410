package diagnose

import (
	"fmt"
	"strings"
)

// BatchNormalization at a small batch. In training mode a
// BatchNormalization layer normalizes each batch with that batch's own
// mean and variance; on a few images these estimates are noisy, so the
// same weights give a different loss on every batch, and the training
// loss (batch statistics) runs above the validation loss (moving
// statistics). Spikes and a training loss over its start are then the
// batch statistics' doing, not the learning rate's, when the rate is at
// most its optimizer's usual one (issue 10, fourth round:
// mobilenet-v2-small at batch 8 on a few hundred images was told that
// Adam's 1e-3 was too high; on 432 cells at batch 8 its training loss
// rose from 1.61 to 2.1 while its validation loss stayed at ln 4, and it
// did not learn in 4 epochs). The batch sizes that count: bnSmallBatch or
// fewer images (Ioffe and Szegedy's batch renormalization and Wu and He's
// group normalization papers show BatchNormalization degrading below
// 16 and sharply at 8 or fewer per batch).
const bnSmallBatch = 16

// bnBatchNoise reports whether the run normalizes with batch statistics
// on small batches at a learning rate no higher than its optimizer's
// usual: then loss spikes are not evidence of a too-high rate.
func bnBatchNoise(s *Signals) bool {
	if s.Spec == nil || s.Model == nil || s.Spec.Fit.BatchSize <= 0 || s.Spec.Fit.BatchSize > bnSmallBatch {
		return false
	}
	opt := s.optimizer()
	if s.lr() > typicalLR(opt) || s.effectiveLR() > typicalLR(opt) {
		return false
	}
	return len(trainableBN(s)) > 0
}

// trainableBN names the BatchNormalization layers that train (and so
// normalize with batch statistics in training mode).
func trainableBN(s *Signals) []string {
	var out []string
	for _, l := range s.Model.Layers {
		if strings.EqualFold(l.Type, "BatchNormalization") && (l.Trainable == nil || *l.Trainable) {
			out = append(out, l.Name)
		}
	}
	return out
}

// bnSmallBatchFinding is batchnorm_statistics' finding for a run whose
// training loss spiked or blew up under batch statistics on small batches
// (nil: no such run). A warning while the run does not learn (stuck at its
// start, or its evaluation not clearly above chance), info otherwise.
func bnSmallBatchFinding(s *Signals) *Finding {
	if !bnBatchNoise(s) {
		return nil
	}
	var why Evidence
	if e, ok := lossSpike(s); ok {
		why = e
	} else if blowup, _, _ := firstPathologies(s); blowup > 0 {
		why = ev(fmt.Sprintf("the training loss rose to 1.5x its start or more at step %d", blowup))
		why.Step = blowup
	} else {
		return nil
	}
	b := s.Spec.Fit.BatchSize
	f := &Finding{Severity: Info, Step: why.Step, Epoch: s.epochOfStep(why.Step)}
	if notLearningYet(s) {
		f.Severity = Warning
	}
	bns := trainableBN(s)
	f.Title = fmt.Sprintf("BatchNormalization on batches of %d: noisy batch statistics, not the learning rate, make the training loss jump", b)
	f.Evidence = []Evidence{why,
		evm("batch_size", float64(b), bnSmallBatch, "fit.batch_size %d with %d BatchNormalization layer(s) in training mode (%s): each batch is normalized by its own %d images' mean and variance",
			b, len(bns), joinNames(bns, 3), b),
		ev(fmt.Sprintf("compile.learning_rate %s is %s's usual rate or lower: not what makes the loss jump", fmtLR(s.lr()), s.optimizer())),
	}
	if loss, vl := s.series("loss"), s.series("val_loss"); len(loss) > 0 && len(vl) == len(loss) && finite(vl[len(vl)-1]) {
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("training loss %.3g (batch statistics) vs validation loss %.3g (moving statistics) at epoch %d",
			loss[len(loss)-1], vl[len(vl)-1], len(loss))))
	}
	f.Causes = []string{fmt.Sprintf("batches of %d images give BatchNormalization noisy mean and variance estimates", b)}
	// Larger batches here (noisy statistics of few images), unlike the
	// lag for want of steps (bnLagFixes), which larger batches worsen.
	f.Fixes = nonEmpty(batchFix32(s), epochsFix(s, 2), bnMomentumFix(s))
	return f
}

// notLearningYet reports whether a run shows, by the standard
// not_learning judges a live run on, that it does not learn: its training
// loss is stuck near its start, or its latest evaluation is not clearly
// above chance; live, the evaluation counts only after atChanceEpochs
// epochs and stuckEarly steps and while it is not clearly rising, as for
// atChance (issue 10, sixth round: a healthy BatchNormalization + dropout
// run at batch 16 got a live warning at its first epoch end, step 27, its
// validation at chance after one epoch; it reached 0.62 by its end).
func notLearningYet(s *Signals) bool {
	step := lastStep(s)
	live := s.Live && !s.Final
	if stuckAt(s, step) && (!live || step >= stuckEarly) {
		return true
	}
	j, ok := s.judge()
	if !ok || j.Above {
		return false
	}
	return !live || j.Epoch >= atChanceEpochs && s.Steps() >= stuckEarly && !s.evalRising()
}

// batchFix32 suggests batches of 32 (Keras' default), where batch
// statistics are steady.
func batchFix32(s *Signals) string {
	if s.Spec == nil || s.Spec.Fit.BatchSize >= 32 {
		return ""
	}
	return "use larger batches: fit.batch_size: 32 (--batch 32)"
}
