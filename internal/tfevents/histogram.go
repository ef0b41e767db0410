package tfevents

import "math"

// Histogram is a HistogramProto: the summary of a tensor's values that
// TensorBoard's histogram and distribution dashboards show.
type Histogram struct {
	Min, Max, Num, Sum, SumSquares float64
	// Limits[i] is bucket i's right edge, Counts[i] its count; empty
	// buckets next to each other are merged into one.
	Limits, Counts []float64
}

// defaultLimits are TensorFlow's default bucket limits: 1e-12 growing by
// 10% while below 1e20, then DBL_MAX, mirrored for negative values
// around 0.
var defaultLimits = func() []float64 {
	var pos []float64
	for v := 1e-12; v < 1e20; v *= 1.1 {
		pos = append(pos, v)
	}
	pos = append(pos, math.MaxFloat64)
	limits := make([]float64, 0, 2*len(pos)+1)
	for i := len(pos) - 1; i >= 0; i-- {
		limits = append(limits, -pos[i])
	}
	limits = append(limits, 0)
	return append(limits, pos...)
}()

// NewHistogram summarizes values over TensorFlow's default buckets.
// NaN and ±Inf are left out (they have no bucket); with no finite value
// the histogram is empty (Num 0, one empty bucket).
func NewHistogram(values []float32) Histogram {
	counts := make([]float64, len(defaultLimits))
	h := Histogram{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, f := range values {
		v := float64(f)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		counts[bucketOf(v)]++
		h.Min, h.Max = min(h.Min, v), max(h.Max, v)
		h.Num++
		h.Sum += v
		h.SumSquares += v * v
	}
	if h.Num == 0 {
		h.Min, h.Max = 0, 0
	}
	for i := 0; i < len(counts); i++ {
		for counts[i] == 0 && i+1 < len(counts) && counts[i+1] == 0 {
			i++
		}
		h.Limits = append(h.Limits, defaultLimits[i])
		h.Counts = append(h.Counts, counts[i])
	}
	return h
}

// bucketOf is the index of the first default limit above v (finite): a
// binary search, written out since it runs for every weight.
func bucketOf(v float64) int {
	lo, hi := 0, len(defaultLimits)-1 // the last limit, DBL_MAX, is above any finite v
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if defaultLimits[m] > v {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
