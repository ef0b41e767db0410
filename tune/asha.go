package tune

import (
	"fmt"
	"math"
	"sort"
)

// Brackets is the number of brackets: 1, or for hyperband
// floor(log_η(max_epochs/grace)) + 1 (the last one trains every trial
// to max_epochs, as Hyperband's bracket s = 0).
func (s *Study) Brackets() int {
	if s.Algorithm != "hyperband" {
		return 1
	}
	n := 1
	for r := snap(s.Grace * float64(s.Eta)); r <= float64(s.MaxEpochs); r = snap(r * float64(s.Eta)) {
		n++
	}
	return n
}

// Rungs are the points, in epochs, at which a trial of bracket b is
// compared with its peers: g·η^b, g·η^(b+1), ... below max_epochs; none
// for random. With a grace period g below one epoch some fall inside an
// epoch (1/3, then 1 for g = 1/3, η = 3): see inepoch.go.
func (s *Study) Rungs(b int) []float64 {
	if s.Algorithm == "random" {
		return nil
	}
	r := s.Grace
	for range b {
		r = snap(r * float64(s.Eta))
	}
	var rungs []float64
	for ; r < float64(s.MaxEpochs); r = snap(r * float64(s.Eta)) {
		rungs = append(rungs, r)
	}
	return rungs
}

// snap rounds r to a whole number of epochs when it is one but for
// floating-point error (1/3·3).
func snap(r float64) float64 {
	if n := math.Round(r); math.Abs(r-n) < 1e-9*math.Max(1, r) {
		return n
	}
	return r
}

func (s *Study) isRung(b, epoch int) bool {
	for _, r := range s.Rungs(b) {
		if r == float64(epoch) {
			return true
		}
	}
	return false
}

// Decision at a rung.
type Decision int

const (
	Continue Decision = iota
	Wait              // a lower-id trial of the bracket has not settled at the rung
	Prune
)

// Decide is ASHA's rule for trial t reaching the rung after epoch with
// val_loss v: t continues if v is no worse than the cutoff of the values
// at the rung of the trials of its bracket with a lower id, the
// linear-interpolated 1/η quantile of those values (the first trial at a
// rung continues); it waits while one of those trials is running below
// the rung. This is Ray Tune's AsyncHyperBandScheduler (_Bracket: the
// cutoff is the (1-1/η) percentile of the rewards recorded at the rung
// before the arriving trial's, which is recorded after; a trial stops
// when strictly worse), with "before" meaning a lower id.
func (s *Study) Decide(t *Trial, epoch int, v float64) (Decision, string) {
	return s.decide(t, v, fmt.Sprintf("at epoch %d", epoch), "val_loss", func(j *Trial) (float64, bool) {
		if len(j.ValLoss) >= epoch {
			return j.ValLoss[epoch-1], true
		}
		return 0, false
	})
}

// decide is ASHA's rule on the values at one rung: value gives a
// trial's value there, if it has reached the rung.
func (s *Study) decide(t *Trial, v float64, where, what string, value func(*Trial) (float64, bool)) (Decision, string) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= worst {
		return Prune, fmt.Sprintf("asha: %s is not finite %s", what, where)
	}
	var values []float64
	for _, j := range s.Trials[:t.ID-1] {
		if j.Bracket != t.Bracket {
			continue
		}
		if x, ok := value(j); ok {
			values = append(values, x)
		} else if !j.Ended() {
			return Wait, ""
		}
	}
	if len(values) == 0 {
		return Continue, ""
	}
	q := quantile(values, 1/float64(s.Eta))
	if v <= q {
		return Continue, ""
	}
	return Prune, fmt.Sprintf("asha: %s %.4g %s worse than the best 1/%d of the %d trials before it there (cutoff %.4g)", what, v, where, s.Eta, len(values), q)
}

// quantile is numpy's linear-interpolated quantile p of xs (NaN-free).
func quantile(xs []float64, p float64) float64 {
	v := append([]float64(nil), xs...)
	sort.Float64s(v)
	h := p * float64(len(v)-1)
	i := int(math.Floor(h))
	if i+1 >= len(v) {
		return v[len(v)-1]
	}
	return v[i] + (h-float64(i))*(v[i+1]-v[i])
}
