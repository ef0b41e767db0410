package tune

import (
	"math"
	"math/rand/v2"
)

// parzen is one parameter's Parzen estimator in the tree-structured
// Parzen estimator (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for
// hyper-parameter optimization", NeurIPS 2011), built as Optuna's
// univariate TPESampler builds it (consider_prior, prior_weight 1,
// consider_magic_clip, not consider_endpoints): a number is a mixture of
// normals truncated to the range (in log space for loguniform; an int's
// range widened by half a step on each side and its values rounded),
// one per observation plus a prior spanning the range; a choice is a
// mixture of categorical distributions, one per observation putting
// extra mass on its choice, plus a uniform prior.
type parzen struct {
	weights   []float64 // of the components, summing to 1
	mus, sigs []float64 // numbers: each component's normal
	probs     [][]float64
	low, high float64 // numbers: the (transformed, widened) range
	discrete  bool    // int: values are whole, mass is per value
}

// priorWeight is Optuna's prior_weight default.
const priorWeight = 1.0

// newParzen fits d's estimator to the observations xs (transformed
// values, or choice indexes) weighted by ws (one each).
func newParzen(d Dist, xs, ws []float64) parzen {
	weights := append(append([]float64(nil), ws...), priorWeight)
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	for i := range weights {
		weights[i] /= sum
	}
	if d.Kind == "choice" {
		return parzen{weights: weights, probs: categoricalKernels(len(d.Choices), xs)}
	}
	low, high := d.bounds()
	mus, sigs := numericalKernels(xs, low, high)
	return parzen{weights: weights, mus: mus, sigs: sigs, low: low, high: high, discrete: d.Kind == "int"}
}

// bounds is d's range in the space its estimator works in.
func (d Dist) bounds() (low, high float64) {
	switch d.Kind {
	case "loguniform":
		return math.Log(d.Low), math.Log(d.High)
	case "int":
		return d.Low - 0.5, d.High + 0.5
	}
	return d.Low, d.High
}

// categoricalKernels: each observation's kernel is prior_weight/(n+1)
// on every choice plus 1 on its own, normalized; the prior's (last) is
// uniform.
func categoricalKernels(k int, xs []float64) [][]float64 {
	n := len(xs) + 1
	probs := make([][]float64, n)
	for i := range probs {
		row := make([]float64, k)
		for j := range row {
			row[j] = priorWeight / float64(n)
		}
		if i < len(xs) {
			row[int(xs[i])]++
		}
		total := 0.0
		for _, p := range row {
			total += p
		}
		for j := range row {
			row[j] /= total
		}
		probs[i] = row
	}
	return probs
}

// numericalKernels centres a normal on each observation and the prior
// (last) on the middle of the range; each observation's width is the
// larger distance to its neighbours among the sorted centres (the ends
// take their one neighbour), the prior's the whole range, all clipped to
// [range/min(100, 1+kernels), range] (Optuna's "magic clip").
func numericalKernels(xs []float64, low, high float64) (mus, sigs []float64) {
	mus = append(append([]float64(nil), xs...), 0.5*(low+high))
	n := len(mus)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sortBy(order, func(a, b int) bool { return mus[a] < mus[b] || mus[a] == mus[b] && a < b })
	sigs = make([]float64, n)
	for r, i := range order {
		left, right := 0.0, 0.0
		if r > 0 {
			left = mus[i] - mus[order[r-1]]
		}
		if r < n-1 {
			right = mus[order[r+1]] - mus[i]
		}
		sigs[i] = max(left, right)
	}
	span := high - low
	sigs[n-1] = span
	minSig := span / math.Min(100, float64(n+1))
	for i := range sigs {
		sigs[i] = min(max(sigs[i], minSig), span)
	}
	return mus, sigs
}

// sortBy is an insertion sort of idx by less (n is small).
func sortBy(idx []int, less func(a, b int) bool) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && less(idx[j], idx[j-1]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// pick draws a component index by the weights.
func (p parzen) pick(r *rand.Rand) int {
	u := r.Float64()
	for i, w := range p.weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(p.weights) - 1
}

// sample draws one value: a choice index, or a transformed number (an
// int's rounded to a whole value).
func (p parzen) sample(r *rand.Rand) float64 {
	c := p.pick(r)
	if p.probs != nil {
		u := r.Float64()
		for j, q := range p.probs[c] {
			if u < q {
				return float64(j)
			}
			u -= q
		}
		return float64(len(p.probs[c]) - 1)
	}
	x := truncNormal(r, p.mus[c], p.sigs[c], p.low, p.high)
	if p.discrete {
		x = min(max(math.Round(x), p.low+0.5), p.high-0.5)
	}
	return x
}

// logDensity is the estimator's log density at x (an int's log mass of
// its value, a choice's log probability).
func (p parzen) logDensity(x float64) float64 {
	terms := make([]float64, len(p.weights))
	for i, w := range p.weights {
		var l float64
		switch {
		case p.probs != nil:
			l = math.Log(p.probs[i][int(x)])
		case p.discrete:
			l = logTruncMass(x-0.5, x+0.5, p.mus[i], p.sigs[i], p.low, p.high)
		default:
			l = logTruncPDF(x, p.mus[i], p.sigs[i], p.low, p.high)
		}
		terms[i] = math.Log(w) + l
	}
	return logSumExp(terms)
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// truncNormal draws from N(mu, sig) truncated to [low, high] by the
// inverse CDF; where the interval's mass underflows, uniformly in it.
func truncNormal(r *rand.Rand, mu, sig, low, high float64) float64 {
	a, b := normCDF((low-mu)/sig), normCDF((high-mu)/sig)
	if !(b-a > 1e-12) {
		return low + r.Float64()*(high-low)
	}
	u := a + r.Float64()*(b-a)
	x := mu + sig*math.Sqrt2*math.Erfinv(2*u-1)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return low + r.Float64()*(high-low)
	}
	return min(max(x, low), high)
}

// tiny keeps logarithms of underflowed masses finite.
const tiny = 1e-300

func logTruncPDF(x, mu, sig, low, high float64) float64 {
	z := (x - mu) / sig
	mass := normCDF((high-mu)/sig) - normCDF((low-mu)/sig)
	return -0.5*z*z - math.Log(sig*math.Sqrt(2*math.Pi)) - math.Log(math.Max(mass, tiny))
}

func logTruncMass(lo, hi, mu, sig, low, high float64) float64 {
	m := normCDF((hi-mu)/sig) - normCDF((lo-mu)/sig)
	mass := normCDF((high-mu)/sig) - normCDF((low-mu)/sig)
	return math.Log(math.Max(m, tiny)) - math.Log(math.Max(mass, tiny))
}

func logSumExp(xs []float64) float64 {
	top := math.Inf(-1)
	for _, x := range xs {
		top = math.Max(top, x)
	}
	if math.IsInf(top, -1) {
		return top
	}
	s := 0.0
	for _, x := range xs {
		s += math.Exp(x - top)
	}
	return top + math.Log(s)
}
