package tune

import (
	"slices"
	"strings"
	"testing"
)

func TestRungsAndBrackets(t *testing.T) {
	s := &Study{Algorithm: "asha", MaxEpochs: 27, Eta: 3, Grace: 1}
	if got := s.Rungs(0); !slices.Equal(got, []float64{1, 3, 9}) {
		t.Errorf("asha rungs %v", got)
	}
	if s.Brackets() != 1 {
		t.Errorf("asha brackets %d", s.Brackets())
	}
	s.Algorithm = "hyperband"
	if s.Brackets() != 4 || !slices.Equal(s.Rungs(2), []float64{9}) || len(s.Rungs(3)) != 0 {
		t.Errorf("hyperband: %d brackets, rungs(2) %v rungs(3) %v", s.Brackets(), s.Rungs(2), s.Rungs(3))
	}
	s.Algorithm = "random"
	if len(s.Rungs(0)) != 0 {
		t.Errorf("random has rungs %v", s.Rungs(0))
	}
}

func TestQuantile(t *testing.T) {
	// numpy.quantile([4, 1, 3, 2], 1/3) = 2.0; ([1, 2], 1/3) = 1.3333.
	if q := quantile([]float64{4, 1, 3, 2}, 1.0/3); q != 2 {
		t.Errorf("got %v", q)
	}
	if q := quantile([]float64{1, 2}, 1.0/3); q < 1.3333 || q > 1.3334 {
		t.Errorf("got %v", q)
	}
}

func TestDecide(t *testing.T) {
	s := &Study{Algorithm: "asha", MaxEpochs: 9, Eta: 3, Grace: 1}
	tr := func(id int, status string, losses ...float64) *Trial {
		return &Trial{ID: id, Status: status, ValLoss: losses}
	}
	s.Trials = []*Trial{tr(1, Completed, 1.0, 0.8), tr(2, Pruned, 2.0), tr(3, Running), tr(4, Running)}
	if d, _ := s.Decide(s.Trials[0], 1, 1.0); d != Continue {
		t.Errorf("first trial at a rung: %v, want continue", d)
	}
	// Trial 3 against 1.0 and 2.0: cutoff quantile([1,2],1/3) = 1.333,
	// its own value left out (Ray Tune's _Bracket.cutoff of the rewards
	// recorded before it): 1.3 continues, though quantile([1.3,1,2],1/3)
	// would be 1.2.
	if d, _ := s.Decide(s.Trials[2], 1, 0.5); d != Continue {
		t.Errorf("best so far: %v", d)
	}
	if d, _ := s.Decide(s.Trials[2], 1, 1.3); d != Continue {
		t.Errorf("below the cutoff of the trials before it: %v", d)
	}
	if d, why := s.Decide(s.Trials[2], 1, 1.34); d != Prune || !strings.Contains(why, "best 1/3 of the 2 trials before it there (cutoff 1.333)") {
		t.Errorf("worse than cutoff: %v %q", d, why)
	}
	// Trial 4 must wait for trial 3 (running, no epoch 1 yet).
	if d, _ := s.Decide(s.Trials[3], 1, 0.1); d != Wait {
		t.Errorf("lower id unsettled: %v, want wait", d)
	}
	// At rung 3 trial 2 (pruned at 1) no longer counts; trial 1 has no epoch 3 but completed... it has 2 values only.
	s.Trials[2].Status = Pruned
	if d, _ := s.Decide(s.Trials[3], 3, 5); d != Continue {
		t.Errorf("no settled peer at rung 3: %v", d)
	}
	if d, _ := s.Decide(s.Trials[3], 1, worst); d != Prune {
		t.Errorf("non-finite: %v", d)
	}
}

// A grace period of 1/3 epoch: rungs at 1/3 epoch (inside epoch 1, at
// the same share of the images for every batch size), then 1 and 3.
func TestRungsInsideAnEpoch(t *testing.T) {
	s := &Study{Algorithm: "asha", MaxEpochs: 9, Eta: 3, Grace: 1.0 / 3}
	if got := s.Rungs(0); !slices.Equal(got, []float64{1.0 / 3, 1, 3}) {
		t.Errorf("rungs %v", got)
	}
	if got := s.inEpochRungs(0); !slices.Equal(got, []float64{1.0 / 3}) {
		t.Errorf("rungs inside an epoch %v", got)
	}
	if !s.isRung(0, 1) || !s.isRung(0, 3) || s.isRung(0, 2) {
		t.Errorf("epoch rungs of %v", s.Rungs(0))
	}
	for _, c := range []struct {
		r                float64
		per, epoch, step int
	}{
		{1.0 / 3, 338, 1, 113}, {1.0 / 3, 43, 1, 15}, {1.0 / 3, 3, 1, 1}, {1.5, 10, 2, 15}, {0.01, 10, 1, 1},
	} {
		if e, st := rungStep(c.r, c.per); e != c.epoch || st != c.step {
			t.Errorf("rungStep(%v, %d) = epoch %d step %d, want %d %d", c.r, c.per, e, st, c.epoch, c.step)
		}
	}
	s.Algorithm = "hyperband"
	if s.Brackets() != 4 || !slices.Equal(s.Rungs(1), []float64{1, 3}) || len(s.inEpochRungs(1)) != 0 {
		t.Errorf("hyperband from 1/3: %d brackets, rungs(1) %v", s.Brackets(), s.Rungs(1))
	}
	if epochsString(1.0/3) != "1/3" || epochsString(0.5) != "1/2" || epochsString(1.5) != "1.5" {
		t.Errorf("epochsString: %s %s %s", epochsString(1.0/3), epochsString(0.5), epochsString(1.5))
	}
}

func TestParseGrace(t *testing.T) {
	for v, want := range map[string]float64{"1": 1, "1/3": 1.0 / 3, "0.5": 0.5, "2": 2} {
		if g, err := ParseGrace(v); err != nil || g != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %v", v, g, err, want)
		}
	}
	for _, v := range []string{"0", "-1", "1/0", "a", "1/x", "NaN", "Inf"} {
		if _, err := ParseGrace(v); err == nil || !strings.Contains(err.Error(), "--grace") {
			t.Errorf("ParseGrace(%q): %v, want an error naming --grace", v, err)
		}
	}
}
