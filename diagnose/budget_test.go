package diagnose

import (
	"testing"
	"time"
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
	if m.lossAlarm(50) {
		t.Error("no starting loss known: want no alarm")
	}
	m.sig.Facts.Init = &InitFacts{Loss: 2.3}
	if m.lossAlarm(2.5) || !m.lossAlarm(4) {
		t.Errorf("start 2.3: alarm at 2.5 %v (want false), at 4 %v (want true)", m.lossAlarm(2.5), m.lossAlarm(4))
	}
}
