package data

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func meanStd(x []float32, channels, k int) (float64, float64) {
	var s, s2, n float64
	for j := k; j < len(x); j += channels {
		s += float64(x[j])
		s2 += float64(x[j]) * float64(x[j])
		n++
	}
	m := s / n
	return m, math.Sqrt(s2/n - m*m)
}

func TestPreprocessRescale(t *testing.T) {
	p := Preprocess{Rescale: 1.0 / 255}
	dst := make([]float32, 3)
	p.Apply(dst, []uint8{0, 51, 255}, 1)
	if diff := cmp.Diff([]float32{0, 0.2, 1}, dst, cmp.Comparer(func(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 })); diff != "" {
		t.Error(diff)
	}
}

func TestPreprocessFeaturewiseFitsTrainingOnly(t *testing.T) {
	ds := synthetic(40, 5, 4, 3, 2)
	// Make the "validation" images very different: they must not move
	// the statistics.
	train, val := []int{}, []int{}
	for i := range 40 {
		if i < 30 {
			train = append(train, i)
		} else {
			val = append(val, i)
			for j := range ds.ImageSize() {
				ds.Pixels[i*ds.ImageSize()+j] = 255
			}
		}
	}
	p := Preprocess{Rescale: 1.0 / 255, FeaturewiseCenter: true, FeaturewiseStdNormalization: true}
	if err := p.Check(3); err == nil {
		t.Error("unfitted featurewise preprocessing passed Check")
	}
	if err := p.Fit(ds, train); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(3); err != nil {
		t.Fatal(err)
	}
	all := make([]float32, 0, len(train)*ds.ImageSize())
	for _, i := range train {
		x := make([]float32, ds.ImageSize())
		p.Apply(x, ds.Image(i), 3)
		all = append(all, x...)
	}
	for k := range 3 {
		m, s := meanStd(all, 3, k)
		if math.Abs(m) > 1e-4 || math.Abs(s-1) > 1e-4 {
			t.Errorf("channel %d after featurewise normalization: mean %v std %v", k, m, s)
		}
	}
	// JSON round trip keeps the fitted statistics exactly.
	b, _ := json.Marshal(p)
	var q Preprocess
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, q); diff != "" {
		t.Errorf("round trip: %s\n%s", diff, b)
	}
}

func TestPreprocessSamplewise(t *testing.T) {
	ds := synthetic(3, 6, 6, 1, 1)
	p := Preprocess{Rescale: 1.0 / 255, SamplewiseCenter: true, SamplewiseStdNormalization: true}
	for i := range 3 {
		x := make([]float32, ds.ImageSize())
		p.Apply(x, ds.Image(i), 1)
		m, s := meanStd(x, 1, 0)
		if math.Abs(m) > 1e-5 || math.Abs(s-1) > 1e-4 {
			t.Errorf("image %d: mean %v std %v", i, m, s)
		}
	}
	// Keras' order: samplewise first, then featurewise on what remains.
	q := Preprocess{SamplewiseCenter: true, FeaturewiseCenter: true}
	if err := q.Fit(ds, []int{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(q.Mean[0])) > 1e-4 {
		t.Errorf("featurewise mean after samplewise centering %v, want 0", q.Mean)
	}
}
