package kernels

import (
	"testing"
	"time"
)

// TestFMAPeakShape checks FMAPeak's contract, not its speed: a positive
// rate with a named instruction set where this build has the loops, and
// nothing measured otherwise or for no threads.
func TestFMAPeakShape(t *testing.T) {
	g, isa := FMAPeak(2, time.Millisecond)
	fn, _, _ := fmaPeakLoop()
	switch {
	case fn == nil && (g != 0 || isa != ""):
		t.Fatalf("no FMA loop in this build, got %v GFLOP/s (%q)", g, isa)
	case fn != nil && (!(g > 0) || isa == ""):
		t.Fatalf("FMAPeak = %v GFLOP/s (%q), want a positive rate and an instruction set", g, isa)
	}
	if g, isa := FMAPeak(0, time.Millisecond); g != 0 || isa != "" {
		t.Fatalf("FMAPeak(0 threads) = %v, %q, want 0, \"\"", g, isa)
	}
}
