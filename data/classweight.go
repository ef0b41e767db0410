package data

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"text/tabwriter"
)

// CountClasses counts the samples of each class among indices (all
// samples when indices is nil).
func CountClasses(labels []int32, indices []int, nClasses int) []int {
	counts := make([]int, nClasses)
	if indices == nil {
		for _, l := range labels {
			counts[l]++
		}
		return counts
	}
	for _, i := range indices {
		counts[labels[i]]++
	}
	return counts
}

// ImbalanceRatio is the largest class count over the smallest non-zero
// one (1 for balanced data, 0 when no class has samples).
func ImbalanceRatio(counts []int) float64 {
	lo, hi := math.MaxInt, 0
	for _, c := range counts {
		if c > 0 {
			lo, hi = min(lo, c), max(hi, c)
		}
	}
	if hi == 0 {
		return 0
	}
	return float64(hi) / float64(lo)
}

// ClassWeightsBalanced returns scikit-learn's compute_class_weight(
// 'balanced') weights for labels in [0, nClasses): n_samples / (n_classes *
// count_c). Classes with no sample get weight 0 and are not counted in
// n_classes (scikit-learn refuses such classes outright).
func ClassWeightsBalanced(labels []int32, nClasses int) []float64 {
	counts := CountClasses(labels, nil, nClasses)
	present := 0
	for _, c := range counts {
		if c > 0 {
			present++
		}
	}
	w := make([]float64, nClasses)
	for k, c := range counts {
		if c > 0 {
			w[k] = float64(len(labels)) / (float64(present) * float64(c))
		}
	}
	return w
}

// ClassWeightsFromMap turns a user's class_weight map into per-class
// weights. Keys are class names or, failing that, class indices ("0");
// classes the map leaves out weigh 1. An unknown key or a negative or
// non-finite weight is an error naming it.
func ClassWeightsFromMap(m map[string]float64, classes []string) ([]float64, error) {
	w := make([]float64, len(classes))
	for i := range w {
		w[i] = 1
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("class_weight[%q] = %v: want a finite weight >= 0", k, v)
		}
		idx := slices.Index(classes, k)
		if idx < 0 {
			if n, err := strconv.Atoi(k); err == nil && n >= 0 && n < len(classes) {
				idx = n
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("class_weight key %q: no such class (classes: %q)", k, classes)
		}
		w[idx] = v
	}
	return w, nil
}

// Sampling is a way to even out classes by changing which samples an
// epoch sees, an alternative to class weights.
type Sampling string

const (
	NoSampling Sampling = ""
	// Oversample adds random repeats (with replacement) of each smaller
	// class's samples until every class is as large as the largest, as
	// imbalanced-learn's RandomOverSampler.
	Oversample Sampling = "oversample"
	// Undersample keeps a random subset (without replacement) of each
	// class as large as the smallest non-empty class.
	Undersample Sampling = "undersample"
)

// Resample applies mode to the samples at indices; the result lists every
// kept sample index (repeats included), grouped by class, unshuffled.
func Resample(labels []int32, indices []int, nClasses int, mode Sampling, rng *rand.Rand) ([]int, error) {
	if mode == NoSampling {
		return slices.Clone(indices), nil
	}
	byClass := make([][]int, nClasses)
	for _, i := range indices {
		byClass[labels[i]] = append(byClass[labels[i]], i)
	}
	lo, hi := math.MaxInt, 0
	for _, m := range byClass {
		if len(m) > 0 {
			lo, hi = min(lo, len(m)), max(hi, len(m))
		}
	}
	var out []int
	switch mode {
	case Oversample:
		for _, m := range byClass {
			out = append(out, m...)
			for j := len(m); j < hi && len(m) > 0; j++ {
				out = append(out, m[rng.IntN(len(m))])
			}
		}
	case Undersample:
		for _, m := range byClass {
			if len(m) == 0 {
				continue
			}
			p := rng.Perm(len(m))[:lo]
			slices.Sort(p)
			for _, j := range p {
				out = append(out, m[j])
			}
		}
	default:
		return nil, fmt.Errorf("sampling %q: want oversample, undersample or none", string(mode))
	}
	return out, nil
}

// WriteCountTable prints the per-class count table shown before training
// (more than ten classes without images are counted, not listed):
// index, name, count, share and, when weights is not nil, the weight.
func WriteCountTable(w io.Writer, classes []string, counts []int, weights []float64) error {
	total := 0
	for _, c := range counts {
		total += c
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "index\tclass\tcount\tshare\t"
	if weights != nil {
		head += "weight\t"
	}
	fmt.Fprintln(tw, head)
	empty := 0
	for _, c := range counts {
		if c == 0 {
			empty++
		}
	}
	hideEmpty := empty > 10
	for k, name := range classes {
		if hideEmpty && counts[k] == 0 {
			continue
		}
		share := 0.0
		if total > 0 {
			share = 100 * float64(counts[k]) / float64(total)
		}
		line := fmt.Sprintf("%d\t%s\t%d\t%.1f%%\t", k, name, counts[k], share)
		if weights != nil {
			line += fmt.Sprintf("%.4f\t", weights[k])
		}
		fmt.Fprintln(tw, line)
	}
	fmt.Fprintf(tw, "\ttotal\t%d\t\t\n", total)
	if err := tw.Flush(); err != nil {
		return err
	}
	if hideEmpty {
		fmt.Fprintf(w, "(%d classes with no images are not shown)\n", empty)
	}
	_, err := fmt.Fprintf(w, "imbalance ratio (largest/smallest class): %.2f\n", ImbalanceRatio(counts))
	return err
}
