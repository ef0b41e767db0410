package diagnose

import (
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/train"
)

// Balanced class weights on a 60:14:6 set lift a batch of the smallest
// class's images 4.4x over a mixed batch of the same per-sample loss:
// two batches at 5x the start are the weights' swing, not a learning
// rate overshooting (issue 10: a stranger's trial named lr_too_high
// critical); at 15x they are a spike again, and unweighted 5x is one.
func TestLossSpikeUnderClassWeights(t *testing.T) {
	weighted := func(on bool) *Signals {
		s := healthySignals(t, 2)
		s.Classes = s.Classes[:3]
		s.Facts.Data.Classes, s.Facts.Data.TrainCounts, s.Facts.Data.Imbalance = s.Classes, []int{60, 14, 6}, 10
		if on {
			s.Facts.Data.Weighted, s.Facts.Data.ClassWeights = true, []float64{80.0 / 180, 80.0 / 42, 80.0 / 18}
		}
		l0, _ := s.StartLoss()
		s.Facts.Loss.Max[27], s.Facts.Loss.Max[60] = train.JSONFloat(5*l0), train.JSONFloat(5*l0)
		return s
	}
	if w := weightSwing(weighted(true).Facts.Data); math.Abs(w-80.0/18) > 1e-9 {
		t.Errorf("weightSwing %.3f, want 4.444", w)
	}
	wantFinding(t, "lr_too_high", weighted(false), Warning)
	s := weighted(true)
	if f := detect(t, "lr_too_high", s); f != nil {
		t.Errorf("weighted 5x batches: %s %v", f.Title, f.Evidence)
	}
	l0, _ := s.StartLoss()
	s.Facts.Loss.Max[27], s.Facts.Loss.Max[60] = train.JSONFloat(15*l0), train.JSONFloat(15*l0)
	wantFinding(t, "lr_too_high", s, Warning)
}
