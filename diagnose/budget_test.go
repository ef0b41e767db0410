package diagnose

import (
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/train"
)

// Between epoch ends the monitor analyzes only within its time budget,
// but a batch loss far above the start is analyzed whatever the budget.
func TestMonitorBudgetAndLossAlarm(t *testing.T) {
	m := &Monitor{started: time.Now().Add(-10 * time.Second)}
	m.overhead = 100 * time.Millisecond
	if !m.withinBudget() {
		t.Error("0.1 s of 10 s: want within the budget")
	}
	m.overhead = time.Second
	if m.withinBudget() {
		t.Error("1 s of 10 s: want over the budget")
	}
	// Over the budget, an epoch end is analyzed only when it is the
	// planned last one or the run stops there.
	m.sig.Facts.PlannedEpochs = 5
	st := &train.State{}
	if m.epochDue(st, 3) || !m.epochDue(st, 5) {
		t.Errorf("over the budget: epoch 3 due %v (want false), epoch 5 due %v (want true)", m.epochDue(st, 3), m.epochDue(st, 5))
	}
	if st.Stop = true; !m.epochDue(st, 3) {
		t.Error("a stopping run's epoch end: want analyzed")
	}
	if m.lossAlarm(50) {
		t.Error("no starting loss known: want no alarm")
	}
	m.sig.Facts.Init = &InitFacts{Loss: 2.3}
	if m.lossAlarm(2.5) || !m.lossAlarm(4) {
		t.Errorf("start 2.3: alarm at 2.5 %v (want false), at 4 %v (want true)", m.lossAlarm(2.5), m.lossAlarm(4))
	}
}
