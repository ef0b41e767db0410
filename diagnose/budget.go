package diagnose

import (
	"time"

	"github.com/cnnscope/cnnscope/train"
)

// The monitor's time budget (issue 10, seventh round (b)): the analyses
// between epoch ends, the first ten steps' included, run only while the
// monitor's cost so far is within monitorBudget of the time trained. Its
// cost is mostly fixed per analysis, so on runs of a few seconds the
// first ten steps' analyses were most of it (the largest costs measured
// on the sixth part: 13-20% of runs of 0.7-7 s). A batch loss above
// alarmFactor times the starting loss (healthy runs stay under it, see
// detect_divergence.go) or a non-finite one is analyzed whatever the
// budget, so that a blow-up is still found within its first steps. An
// epoch end before the planned last one is analyzed within the budget
// too (a skipped one does not count towards a live finding's
// confirmation: it is printed later, never sooner); the planned last
// epoch, a stopping run and the end of training always are.
const (
	monitorBudget = 0.03
	alarmFactor   = 1.3
)

// withinBudget reports whether the monitor's cost so far leaves room for
// an analysis between epoch ends.
func (m *Monitor) withinBudget() bool {
	return m.overhead.Seconds() <= monitorBudget*time.Since(m.started).Seconds()
}

// lossAlarm reports whether a batch loss is far enough above the start to
// be analyzed at once.
func (m *Monitor) lossAlarm(loss float64) bool {
	l0, ok := m.sig.StartLoss()
	return ok && finite(l0) && loss > alarmFactor*l0
}

// epochDue reports whether this epoch end (1-based) is analyzed.
func (m *Monitor) epochDue(s *train.State, epoch int) bool {
	return epoch >= m.sig.Facts.PlannedEpochs || s.Stop || m.withinBudget()
}
