package tune

import (
	"maps"
	"math"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/spec"
)

// Samplers: how a study draws its trials' parameters (all up front,
// deterministically for the seed, so study.json holds every trial).
const (
	// LHSSampler is Latin hypercube sampling (McKay, Beckman & Conover,
	// "A comparison of three methods for selecting values of input
	// variables in the analysis of output from a computer code",
	// Technometrics 21(2), 1979): for n trials each parameter's range is
	// cut into n strata of equal probability, every stratum gets exactly
	// one trial, and the strata are paired across parameters at random.
	// Each parameter alone is spread over its whole range whatever the
	// seed (n = 16 over learning rates 1e-5..10: one trial in every
	// 0.375 decade; a choice of 4 values: each 4 times), where random
	// draws leave gaps and clumps. Its estimates' variance is never much
	// worse than random sampling's and lower when the objective is
	// dominated by parameters on their own (Stein, Technometrics 29(2),
	// 1987), as the learning rate dominates a CNN's loss.
	LHSSampler = "lhs"
	// RandomSampler draws each trial independently (Bergstra & Bengio,
	// "Random search for hyper-parameter optimization", JMLR 2012).
	RandomSampler = "random"
)

// Samplers are the --sampler values, the default first.
var Samplers = []string{LHSSampler, RandomSampler, TPESampler}

// At is the distribution's value at quantile u in [0, 1) (its inverse
// CDF: uniform and loguniform linearly in the value or its log, int and
// choice in equal steps).
func (d Dist) At(u float64) any {
	switch d.Kind {
	case "uniform":
		return d.Low + u*(d.High-d.Low)
	case "loguniform":
		return math.Exp(math.Log(d.Low) + u*(math.Log(d.High)-math.Log(d.Low)))
	case "int":
		k := int(d.High-d.Low) + 1
		return int(d.Low) + min(int(u*float64(k)), k-1)
	}
	return d.Choices[min(int(u*float64(len(d.Choices))), len(d.Choices)-1)]
}

// latinHypercube is n points in [0, 1)^dims: in each dimension one
// point in each stratum [i/n, (i+1)/n), uniformly within it, the strata
// in a random order of their own.
func latinHypercube(r *rand.Rand, n, dims int) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = make([]float64, dims)
	}
	for j := range dims {
		perm := r.Perm(n)
		for i := range n {
			pts[i][j] = (float64(perm[i]) + r.Float64()) / float64(n)
		}
	}
	return pts
}

// SampleTrials draws n trials' parameters with the sampler. A Latin
// hypercube point train refuses is repaired as SampleValid repairs a
// draw (without one parameter, a conditional one); if that fails too,
// that trial is drawn at random instead.
func (s Space) SampleTrials(r *rand.Rand, base *spec.Spec, n int, sampler string) ([]map[string]any, error) {
	out := make([]map[string]any, 0, n)
	if sampler == RandomSampler {
		for range n {
			p, err := s.SampleValid(r, base)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	for _, u := range latinHypercube(r, n, len(s)) {
		p := make(map[string]any, len(s))
		for j, d := range s {
			p[d.Path] = d.At(u[j])
		}
		q, ok := s.valid(base, p)
		if !ok {
			var err error
			if q, err = s.SampleValid(r, base); err != nil {
				return nil, err
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// valid is p if base with it passes train's validation, else p without
// the first parameter (in path order) whose absence makes it pass.
func (s Space) valid(base *spec.Spec, p map[string]any) (map[string]any, bool) {
	if _, err := Apply(base, p); err == nil {
		return p, true
	}
	for _, d := range s {
		q := maps.Clone(p)
		delete(q, d.Path)
		if _, err := Apply(base, q); err == nil {
			return q, true
		}
	}
	return nil, false
}
