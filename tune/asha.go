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
	for r := s.Grace * s.Eta; r <= s.MaxEpochs; r *= s.Eta {
		n++
	}
	return n
}

// Rungs are the epochs after which a trial of bracket b is compared
// with its peers: g·η^b, g·η^(b+1), ... below max_epochs; none for random.
func (s *Study) Rungs(b int) []int {
	if s.Algorithm == "random" {
		return nil
	}
	r := s.Grace
	for range b {
		r *= s.Eta
	}
	var rungs []int
	for ; r < s.MaxEpochs; r *= s.Eta {
		rungs = append(rungs, r)
	}
	return rungs
}

func (s *Study) isRung(b, epoch int) bool {
	for _, r := range s.Rungs(b) {
		if r == epoch {
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

// Decide is ASHA's rule for trial t reaching rung epoch with val_loss v:
// t continues if v is within the best 1/η of the values at the rung of
// the trials of its bracket with a lower id and t itself; it waits while
// one of those trials is running below the rung.
func (s *Study) Decide(t *Trial, epoch int, v float64) (Decision, string) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= worst {
		return Prune, fmt.Sprintf("asha: val_loss is not finite at epoch %d", epoch)
	}
	values := []float64{v}
	for _, j := range s.Trials[:t.ID-1] {
		if j.Bracket != t.Bracket {
			continue
		}
		switch {
		case len(j.ValLoss) >= epoch:
			values = append(values, j.ValLoss[epoch-1])
		case !j.Ended():
			return Wait, ""
		}
	}
	q := quantile(values, 1/float64(s.Eta))
	if v <= q {
		return Continue, ""
	}
	return Prune, fmt.Sprintf("asha: val_loss %.4g at epoch %d not in the best 1/%d of %d trials (cutoff %.4g)", v, epoch, s.Eta, len(values), q)
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
