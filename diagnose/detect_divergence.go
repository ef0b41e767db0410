package diagnose

import "fmt"

// Divergence thresholds, from our own measurement (basic CNN on MNIST,
// loss smoothed over about 10 steps): healthy runs with Adam (1e-3, 1e-2)
// and SGD (1e-2, 1e-1) never exceed 1.3x the initial loss L0, while Adam
// at lr 0.1 or 1.0 reaches 4-6x by step 3.
const (
	divergeSpan     = 10  // steps of loss smoothing
	divergeFactor   = 2.0 // blow-up: smoothed loss > max(2 L0, L0 + 1)
	divergeSustain  = 5   // ... for this many consecutive steps
	relapseFactor   = 4.0 // relapse: smoothed loss > 4x its earlier minimum
	relapseAbsolute = 0.25
	recoveredFactor = 0.5 // the current smoothed loss below 0.5 L0: recovered
)

// relapseMetric names a relapse's evidence (a blow-up's is smoothed_loss):
// a relapse is confirmed live like other judgements (confirm.go).
const relapseMetric = "relapse_loss"

// detectDivergence: the training loss blew up above where it started, or
// climbed back far above the minimum it had reached (a relapse); both
// sustained, so that one bad batch does not count. Critical, but a
// warning when the loss recovered or when a relapse peaked under the
// loss the run started at (part of the progress lost, not all of it).
func detectDivergence(s *Signals) *Finding {
	l0, ok := s.StartLoss()
	t := &s.Facts.Loss
	if !ok || t.Len() == 0 || !finite(l0) {
		return nil
	}
	ema := t.smoothed(divergeSpan)
	stride := max(t.Stride, 1)
	limit := max(divergeFactor*l0, l0+1)
	run, lowest := 0, ema[0]
	for i, v := range ema {
		if !finite(v) {
			return nil // the NaN detector reports it
		}
		blowup := v > limit
		relapse := v > relapseFactor*lowest && v-lowest > relapseAbsolute*l0
		if blowup || relapse {
			run += stride
		} else {
			run = 0
			lowest = min(lowest, v)
		}
		if run < divergeSustain {
			continue
		}
		f := &Finding{Severity: Critical, Step: t.Step[i], Epoch: t.Epoch[i], Since: t.Epoch[i]}
		peak := v
		for _, w := range ema[i:] {
			peak = max(peak, w)
		}
		if blowup {
			f.Title = fmt.Sprintf("Training loss diverged at step %d: it rose from %.3g to %.3g", f.Step, l0, peak)
			f.Evidence = append(f.Evidence, evm("smoothed_loss", v, limit,
				"smoothed training loss %.3g at step %d, above max(%.0fx initial, initial + 1) = %.3g for %d steps", v, f.Step, divergeFactor, limit, run))
		} else {
			f.Title = fmt.Sprintf("Training loss relapsed at step %d: from %.3g back up to %.3g", f.Step, lowest, peak)
			f.Evidence = append(f.Evidence, evm(relapseMetric, v, relapseFactor*lowest,
				"smoothed training loss %.3g at step %d, over %.0fx its minimum %.3g for %d steps", v, f.Step, relapseFactor, lowest, run))
		}
		if e, ok := relapseSurvived(s, f.Epoch, peak, l0); !blowup && ok {
			f.Severity = Warning
			f.Evidence = append(f.Evidence, e)
		}
		if last := ema[len(ema)-1]; last < recoveredFactor*l0 {
			f.Severity = Warning
			f.Title = fmt.Sprintf("Training loss spiked at step %d (to %.3g) and then recovered", f.Step, peak)
			f.Evidence = append(f.Evidence, ev(fmt.Sprintf("smoothed loss is back to %.3g at step %d", last, t.Step[len(ema)-1])))
		}
		f.Causes = []string{"the learning rate is too high", "inputs are not normalized", "gradients explode (no clipping, no normalization layers)"}
		f.Fixes = []string{lowerLRFix(s), clipFix}
		return f
	}
	return nil
}

// relapseSurvived is the evidence that a relapse left part of what the
// model learned: its peak stayed under the loss the run started at, and
// an evaluation from the relapse's epoch on is clearly above chance
// (issue 10, sixth round (d): SGD with Nesterov momentum on 6 classes,
// smoothed loss 0.317 -> 1.59 against a start of 1.78 at step 102,
// validation 0.81 -> 0.54 at the end, chance 0.17, was critical and "not
// learning"). A run left at chance stays critical (and not_learning's).
func relapseSurvived(s *Signals, epoch int, peak, l0 float64) (Evidence, bool) {
	j, ok := s.judge()
	if !ok || peak >= l0 || j.Epoch < epoch || !j.Above {
		return Evidence{}, false
	}
	return evm("peak_vs_start", peak/l0, 1,
		"the smoothed loss peaked at %.3g, under its start %.3g, and %s accuracy %.3f at epoch %d is clearly above chance (%.3f): part of what was learned is lost, not all",
		peak, l0, j.Split, j.Accuracy, j.Epoch, j.Chance), true
}
