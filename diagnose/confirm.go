package diagnose

import "math"

// Live findings are held until confirmed (hysteresis): a warning or
// critical finding raised during training is printed (and passed to
// OnRaise) only when it still holds at an epoch end at least
// confirmSteps after it was first seen, where confirmSteps is a quarter
// of an epoch, at least minConfirmSteps; one withdrawn before that is
// forgotten. A critical finding must also hold at two epoch ends after
// the one it was first seen at or before (issue 10, third round: a
// critical needs strong evidence; slow starts and class-weighted runs
// swing for an epoch or two). A rise in severity is confirmed the same
// way. NaN and divergence are facts, not estimates: they are printed at
// once, as are the checks before step 1; a critical dead network
// (dying_relu) is confirmed at any analysis once it has held
// confirmSteps. A warning judged on per-epoch measurements only
// (epochJudged: epoch accuracies and losses, the noise tracker's epochs)
// needs the same two epoch ends as a critical: one epoch end after its
// first sighting is two readings of a quantity that swings from epoch to
// epoch (issue 10, fifth round: live underfitting and label_noise warnings
// in a healthy 8-epoch run, withdrawn by its end, counted as false
// alarms). The final diagnosis lists what holds at the end whatever was
// printed.
//
// The window also grows with the run (issue 10, seventh round (b)): a
// long run of a small set swings for longer before it settles (a class-
// weighted 300-image two-class run sat at chance for 9 of its 20 epochs,
// was called "not learning" live at epoch 8 and ended at 0.97), and a
// judgement made a few epochs into it is a small part of the evidence the
// run will have. A critical must hold for criticalRunShare of the planned
// epochs, a warning for warningRunShare, each at least the ends above;
// short runs (the suites' 2-8 epochs) keep the ends above. The run's
// judgement is not delayed: the final diagnosis lists what holds at the
// end, whatever was confirmed live.
const (
	minConfirmSteps     = 10
	criticalConfirmEnds = 2
	criticalRunShare    = 0.25
	warningRunShare     = 0.1
)

// Unmistakable findings are printed at once: a non-finite loss, and a
// training loss that blew up above where it started. A relapse (the loss
// climbing back from the minimum it reached, under a blow-up) is a
// judgement like any other: SGD with momentum and schedules swing there
// and come back (issue 10, sixth round: a healthy 6-class run's loss went
// from 0.32 back to 1.59, under its start of 1.78, and its validation
// accuracy from 0.81 to 0.33 and back to 0.54; called critical live).
var immediate = map[string]bool{"nan": true, "divergence": true}

// unmistakable reports whether a finding is printed without confirmation.
func unmistakable(f Finding) bool {
	if !immediate[f.ID] {
		return false
	}
	for _, e := range f.Evidence {
		if e.Metric == relapseMetric {
			return false
		}
	}
	return true
}

// confirmEnds is how many epoch ends after its first sighting a live
// finding at this severity must hold at (see the window above).
func (m *Monitor) confirmEnds(f Finding) int {
	ends, share := 1, warningRunShare
	if f.Severity == Critical || epochJudged[f.ID] {
		ends = criticalConfirmEnds
	}
	if f.Severity == Critical {
		share = criticalRunShare
	}
	return max(ends, int(math.Ceil(share*float64(m.sig.Facts.PlannedEpochs))))
}

// epochJudged are the detectors whose evidence changes only at epoch ends,
// and dying_relu's partly dead layer (its warning; the dead network is a
// critical): units revive, and a batch's dead fraction overstates deadness
// on small batches (a unit active on 30% of the images looks dead on a
// batch of 4 one time in four; issue 10, fifth round: a batch-4 run's
// layer at 70.3% dead in its slow start, learning an epoch later).
var epochJudged = map[string]bool{"underfitting": true, "label_noise": true, "overfitting": true, "dying_relu": true}

// pendingFinding is a live finding not yet confirmed: the step it was
// first seen at and the epoch ends it held at after that.
type pendingFinding struct{ first, ends int }

// confirmed reports whether a finding at this severity has held long
// enough to be printed.
func (m *Monitor) confirmed(f Finding, step int, epochEnd bool) bool {
	if unmistakable(f) {
		return true
	}
	if m.pending == nil {
		m.pending = map[string]pendingFinding{}
	}
	key := f.ID + "/" + string(f.Severity)
	p, ok := m.pending[key]
	if !ok {
		m.pending[key] = pendingFinding{first: step}
		return false
	}
	need := max(minConfirmSteps, m.sig.Facts.StepsPerEpoch/4)
	if f.Severity == Critical && stoppable[f.ID] {
		// A dead network does not come back: confirmed at any analysis
		// once it has held need steps, so that --stop-on critical stops
		// the run before the epoch ends (issue 14).
		return step-p.first >= need
	}
	if !epochEnd {
		return false
	}
	p.ends++
	m.pending[key] = p
	if p.ends < m.confirmEnds(f) {
		return false
	}
	return step-p.first >= need
}
