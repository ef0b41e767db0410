package data

import (
	"slices"
	"testing"
)

func TestSplitStratified(t *testing.T) {
	var labels []int32
	for k, n := range []int{50, 30, 15, 4, 1} {
		for range n {
			labels = append(labels, int32(k))
		}
	}
	train, val, err := SplitStratified(labels, nil, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(val) != 20 || len(train)+len(val) != len(labels) {
		t.Fatalf("%d train, %d val", len(train), len(val))
	}
	seen := map[int]bool{}
	for _, i := range append(slices.Clone(train), val...) {
		if seen[i] {
			t.Fatalf("index %d in both parts", i)
		}
		seen[i] = true
	}
	vc := CountClasses(labels, val, 5)
	if vc[0] != 10 || vc[1] != 6 || vc[2] != 3 || vc[4] != 0 {
		t.Errorf("validation counts %v", vc)
	}
	// Deterministic for a seed, different for another.
	train2, val2, _ := SplitStratified(labels, nil, 0.2, 7)
	_, val3, _ := SplitStratified(labels, nil, 0.2, 8)
	if !slices.Equal(train, train2) || !slices.Equal(val, val2) || slices.Equal(val, val3) {
		t.Error("split not a function of the seed")
	}
	// A split of a subset stays inside it.
	sub := []int{0, 1, 2, 3, 50, 51, 52, 80, 81}
	tr, va, _ := SplitStratified(labels, sub, 0.5, 1)
	for _, i := range append(tr, va...) {
		if !slices.Contains(sub, i) {
			t.Errorf("index %d outside the subset", i)
		}
	}
	for _, f := range []float64{-0.1, 1, 1.5} {
		if _, _, err := SplitStratified(labels, nil, f, 1); err == nil {
			t.Errorf("fraction %v accepted", f)
		}
	}
}
