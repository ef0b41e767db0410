package data

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// TestClassWeightsMatchSklearn compares with compute_class_weight
// ('balanced') numbers made by testdata/sklearn/make_golden.py.
func TestClassWeightsMatchSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/sklearn/class_weights.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Name     string
			Y        []int32
			NClasses int `json:"n_classes"`
			Weights  []float64
		}
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 5 {
		t.Fatalf("%d golden cases", len(golden.Cases))
	}
	for _, c := range golden.Cases {
		got := ClassWeightsBalanced(c.Y, c.NClasses)
		for k := range got {
			if math.Abs(got[k]-c.Weights[k]) > 1e-12 {
				t.Errorf("%s: class %d weight %v, sklearn %v", c.Name, k, got[k], c.Weights[k])
			}
		}
	}
	// The seed's y_train, spelled out: 13 samples, counts 5, 6, 2.
	w := ClassWeightsBalanced([]int32{0, 1, 1, 2, 0, 0, 0, 2, 1, 0, 1, 1, 1}, 3)
	if math.Abs(w[0]-13.0/15) > 1e-15 || math.Abs(w[1]-13.0/18) > 1e-15 || math.Abs(w[2]-13.0/6) > 1e-15 {
		t.Errorf("seed weights %v", w)
	}
}

func TestClassWeightsFromMap(t *testing.T) {
	w, err := ClassWeightsFromMap(map[string]float64{"cat": 2, "2": 0.5}, []string{"cat", "dog", "eel"})
	if err != nil || w[0] != 2 || w[1] != 1 || w[2] != 0.5 {
		t.Errorf("%v %v", w, err)
	}
	for _, bad := range []map[string]float64{{"cow": 1}, {"cat": -1}, {"7": 1}, {"dog": math.NaN()}} {
		if _, err := ClassWeightsFromMap(bad, []string{"cat", "dog"}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestResample(t *testing.T) {
	labels := []int32{0, 0, 0, 0, 0, 0, 1, 1, 2}
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	over, err := Resample(labels, idx, 4, Oversample, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if c := CountClasses(labels, over, 4); c[0] != 6 || c[1] != 6 || c[2] != 6 || c[3] != 0 {
		t.Errorf("oversampled counts %v", c)
	}
	for _, i := range idx { // every original sample is kept
		if !containsInt(over, i) {
			t.Errorf("oversampling dropped %d", i)
		}
	}
	under, _ := Resample(labels, idx, 4, Undersample, newRand(1))
	if c := CountClasses(labels, under, 4); c[0] != 1 || c[1] != 1 || c[2] != 1 {
		t.Errorf("undersampled counts %v", c)
	}
	if _, err := Resample(labels, idx, 4, "smote", newRand(1)); err == nil {
		t.Error("smote accepted")
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestCountTable(t *testing.T) {
	var b bytes.Buffer
	counts := []int{5, 6, 2}
	if err := WriteCountTable(&b, []string{"a", "b", "c"}, counts, ClassWeightsBalanced([]int32{0, 1, 1, 2, 0, 0, 0, 2, 1, 0, 1, 1, 1}, 3)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2.1667", "38.5%", "total", "13", "imbalance ratio (largest/smallest class): 3.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if r := ImbalanceRatio([]int{0, 4, 2}); r != 2 {
		t.Errorf("ratio %v", r)
	}
}
