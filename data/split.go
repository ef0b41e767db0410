package data

import (
	"fmt"
	"math"
	"slices"
)

// SplitStratified splits the samples at indices (all samples when indices
// is nil) into a training and a validation part, keeping each class's
// proportion in both. The validation part holds ceil(fraction*n) samples
// (scikit-learn's rounding of test_size), shared out among the classes by
// largest remainder; a class with at least two samples keeps at least one
// in training. The result depends only on the labels, the fraction and the
// seed; both parts are returned in ascending order and never overlap.
func SplitStratified(labels []int32, indices []int, fraction float64, seed uint64) (train, val []int, err error) {
	if math.IsNaN(fraction) || fraction < 0 || fraction >= 1 {
		return nil, nil, fmt.Errorf("validation split %v: want a fraction in [0, 1)", fraction)
	}
	train, val = splitStratified(labels, indices, fraction, seed, streamSplit, 1)
	return train, val, nil
}

// LimitStratified picks n of the samples at indices (all when nil) at
// random, keeping each class's proportion (largest remainder, so that
// every class is represented once n reaches the number of classes), in
// ascending order; all of them when n is not below their number. The
// choice depends only on the labels, n and the seed.
func LimitStratified(labels []int32, indices []int, n int, seed uint64) []int {
	if indices == nil {
		indices = make([]int, len(labels))
		for i := range indices {
			indices[i] = i
		}
	}
	if n >= len(indices) || n < 0 {
		return slices.Clone(indices)
	}
	_, picked := splitStratified(labels, indices, float64(n)/float64(len(indices)), seed, streamLimit, 0)
	return picked
}

// splitStratified moves a stratified fraction of indices into val; each
// class keeps at least keep samples in train (when it has more).
func splitStratified(labels []int32, indices []int, fraction float64, seed, stream uint64, keep int) (train, val []int) {
	if indices == nil {
		indices = make([]int, len(labels))
		for i := range indices {
			indices[i] = i
		}
	}
	byClass := map[int32][]int{}
	var classes []int32
	for _, i := range indices {
		l := labels[i]
		if byClass[l] == nil {
			classes = append(classes, l)
		}
		byClass[l] = append(byClass[l], i)
	}
	slices.Sort(classes)
	n := len(indices)
	want := int(math.Ceil(fraction*float64(n) - 1e-9))
	// Largest-remainder apportionment of want among the classes.
	quota := make([]int, len(classes))
	type rem struct {
		frac float64
		k    int
	}
	var rems []rem
	got := 0
	for k, c := range classes {
		exact := fraction * float64(len(byClass[c]))
		quota[k] = int(math.Floor(exact))
		got += quota[k]
		rems = append(rems, rem{exact - float64(quota[k]), k})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return 0
	})
	for _, r := range rems {
		if got >= want {
			break
		}
		if quota[r.k] < len(byClass[classes[r.k]])-keep {
			quota[r.k]++
			got++
		}
	}
	for k, c := range classes {
		members := byClass[c]
		rng := newRand(seed, stream, uint64(c))
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		val = append(val, members[:quota[k]]...)
		train = append(train, members[quota[k]:]...)
	}
	slices.Sort(train)
	slices.Sort(val)
	return train, val
}
