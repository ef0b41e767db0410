package tune

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/cnnscope/cnnscope/spec"
)

// TPESampler draws each trial after the first tpeStartup from what the
// trials before it gave: the tree-structured Parzen estimator of
// Bergstra et al. (NeurIPS 2011) with Optuna's TPESampler defaults
// (n_startup_trials 10 drawn at random, n_ei_candidates 24, gamma(n) =
// min(ceil(0.1 n), 25), the default weights, univariate estimators; see
// parzen.go). Each parameter's candidates are drawn from l, the
// estimator of the best gamma(n) trials, and the one maximizing l/g (g:
// the others') is taken.
//
// A trial is drawn when it is about to start, from the trials 1..id−K
// (K = --parallel), and it waits until all of those have ended: what a
// trial learns from never depends on timing, and its random numbers come
// from the seed and its id alone, so an interrupted study, resumed,
// draws the same trials (study.json keeps the space and every drawn
// trial; one drawn but not saved is drawn again, the same).
const (
	TPESampler    = "tpe"
	tpeStartup    = 10
	tpeCandidates = 24
)

// tpeGamma is Optuna's default_gamma: how many observations are "below".
func tpeGamma(n int) int { return min(int(math.Ceil(0.1*float64(n))), 25) }

// tpeWeights is Optuna's default_weights for n observations oldest
// first: 1 each under 25, else a ramp from 1/n up to 1 and the newest 25
// at 1.
func tpeWeights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	if n >= 25 {
		ramp := n - 25
		for i := range ramp {
			if ramp == 1 {
				w[i] = 1 / float64(n)
			} else {
				w[i] = 1/float64(n) + float64(i)*(1-1/float64(n))/float64(ramp-1)
			}
		}
	}
	return w
}

// tpeSplit divides the ended trials (failed ones left out, as Optuna
// leaves them out) into the best tpeGamma(n) and the others, each in
// trial order: completed trials rank by their best val_loss, ahead of
// pruned ones, which rank by the epochs they reached (more first), then
// their last val_loss; a trial pruned before its first epoch is last.
func tpeSplit(ts []*Trial) (below, above []*Trial) {
	var done, pruned []*Trial
	for _, t := range ts {
		switch t.Status {
		case Completed:
			done = append(done, t)
		case Pruned:
			pruned = append(pruned, t)
		}
	}
	n := tpeGamma(len(done) + len(pruned))
	key := func(t *Trial) (float64, float64) {
		if t.Status == Completed {
			loss, _, ok := t.Best()
			if !ok {
				return 0, math.Inf(1)
			}
			return 0, loss
		}
		if len(t.ValLoss) == 0 {
			return 1, 0
		}
		return -float64(len(t.ValLoss)), t.ValLoss[len(t.ValLoss)-1]
	}
	ranked := append(rankBy(done, key), rankBy(pruned, key)...)
	inBelow := map[int]bool{}
	for _, t := range ranked[:min(n, len(ranked))] {
		inBelow[t.ID] = true
	}
	for _, t := range ts {
		switch {
		case inBelow[t.ID]:
			below = append(below, t)
		case t.Status == Completed || t.Status == Pruned:
			above = append(above, t)
		}
	}
	return below, above
}

// rankBy sorts ts by key, then id.
func rankBy(ts []*Trial, key func(*Trial) (float64, float64)) []*Trial {
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	sortBy(idx, func(a, b int) bool {
		a1, a2 := key(ts[a])
		b1, b2 := key(ts[b])
		return a1 < b1 || a1 == b1 && (a2 < b2 || a2 == b2 && ts[a].ID < ts[b].ID)
	})
	out := make([]*Trial, len(ts))
	for i, j := range idx {
		out[i] = ts[j]
	}
	return out
}

// tpeParams draws one trial's parameters from the observations below
// and above with r.
func (s Space) tpeParams(r *rand.Rand, below, above []*Trial) map[string]any {
	p := make(map[string]any, len(s))
	for _, d := range s {
		xb, xa := d.observed(below), d.observed(above)
		l := newParzen(d, xb, tpeWeights(len(xb)))
		g := newParzen(d, xa, tpeWeights(len(xa)))
		best, bestScore := 0.0, math.Inf(-1)
		for range tpeCandidates {
			x := l.sample(r)
			if score := l.logDensity(x) - g.logDensity(x); score > bestScore {
				best, bestScore = x, score
			}
		}
		p[d.Path] = d.value(best)
	}
	return p
}

// observed is the trials' values of d in its estimator's space (a
// trial without d, or with a value not in it, is left out).
func (d Dist) observed(ts []*Trial) []float64 {
	var xs []float64
	for _, t := range ts {
		v, ok := t.Params[d.Path]
		if !ok {
			continue
		}
		if d.Kind == "choice" {
			for i, c := range d.Choices {
				if sameValue(c, v) {
					xs = append(xs, float64(i))
					break
				}
			}
			continue
		}
		x, err := number(v)
		if err != nil {
			continue
		}
		if d.Kind == "loguniform" {
			x = math.Log(x)
		}
		xs = append(xs, x)
	}
	return xs
}

// value is the parameter value of estimator-space x.
func (d Dist) value(x float64) any {
	switch d.Kind {
	case "choice":
		return d.Choices[int(x)]
	case "int":
		return int(x)
	case "loguniform":
		return min(max(math.Exp(x), d.Low), d.High)
	}
	return x
}

// sameValue compares a choice with a trial's value: numbers by value
// (study.json gives back 16 as 16.0), anything else as printed.
func sameValue(a, b any) bool {
	x, errA := number(a)
	y, errB := number(b)
	if errA == nil && errB == nil {
		return x == y
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// drawReady reports whether trial t, not yet drawn, can be: the trials
// it learns from (1..id−parallel) have all ended.
func (s *Study) drawReady(t *Trial) bool {
	for _, u := range s.Trials[:max(0, t.ID-max(s.Parallel, 1))] {
		if !u.Ended() {
			return false
		}
	}
	return true
}

// drawTPE draws trial t's parameters (it must be drawReady) and writes
// its spec file. Its random numbers depend on the seed and its id only.
func (s *Study) drawTPE(t *Trial) error {
	base, err := spec.Load(filepath.Join(s.dir, BaseFile))
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(s.Seed, 0x7470_6500+uint64(t.ID))) // "tpe"
	below, above := tpeSplit(s.Trials[:max(0, t.ID-max(s.Parallel, 1))])
	p, ok := s.Space.valid(base, s.Space.tpeParams(r, below, above))
	if !ok {
		if p, err = s.Space.SampleValid(r, base); err != nil {
			return fmt.Errorf("trial %d: %v", t.ID, err)
		}
	}
	t.Params = p
	return s.writeSpec(base, t, true)
}

// drawTrials draws the not yet drawn trials of ts (in id order) that
// can be; it returns ts up to the first that cannot (it and those after
// it wait), and whether it drew one.
func (s *Study) drawTrials(ts []*Trial) ([]*Trial, bool, error) {
	drew := false
	for i, t := range ts {
		if t.Params != nil {
			continue
		}
		if !s.drawReady(t) {
			return ts[:i], drew, nil
		}
		if err := s.drawTPE(t); err != nil {
			return ts[:i], drew, err
		}
		drew = true
	}
	return ts, drew, nil
}
