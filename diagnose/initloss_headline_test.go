package diagnose

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/train"
)

// An initial loss 3 x ln C with inputs in range and standard initializers
// is info whose fix is "nothing to change": in a run that then learns
// nothing it is not the cause of not_learning, so it is neither raised to
// critical nor the verdict's headline, nor not_learning's first cause or
// fix (a stranger's verdict headlined "the untrained model's outputs are
// confident", fix "nothing to change unless ...").
func TestNothingToChangeDoesNotHeadline(t *testing.T) {
	s := stuckAtChance(t, 3)
	s.Facts.Init = &InitFacts{Loss: train.JSONFloat(3 * math.Log(10)), Expected: math.Log(10), Samples: 32}
	d := Analyze(s)
	il := find(d, "initial_loss")
	if il == nil || il.Severity != Info || !strings.HasPrefix(il.Fixes[0], "nothing to change") {
		t.Fatalf("initial_loss: %+v; want an info finding whose fix is nothing to change", il)
	}
	if d.Verdict != NotLearning || d.Findings[0].ID != "not_learning" || !strings.HasPrefix(d.Summary, "Not learning") {
		t.Errorf("verdict %q %q, findings %v; want not learning headed by not_learning", d.Verdict, d.Summary, ids(d.Findings))
	}
	nl := find(d, "not_learning")
	for _, x := range append(nl.Causes, nl.Fixes...) {
		if strings.Contains(x, "initial_loss") || strings.Contains(x, "nothing to change") {
			t.Errorf("not_learning lists %q", x)
		}
	}
}
