package data

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// epochBatches runs one epoch and copies out what it produced.
func epochBatches(t *testing.T, l *Loader, epoch int) (xs [][]float32, labels []int32, idx []int, weights []float32) {
	t.Helper()
	it := l.Epoch(epoch)
	defer it.Close()
	step := 0
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		if b.Step != step || b.Epoch != epoch {
			t.Fatalf("batch step %d epoch %d, want %d %d", b.Step, b.Epoch, step, epoch)
		}
		step++
		xs = append(xs, slices.Clone(b.X.Data))
		labels = append(labels, b.Labels...)
		idx = append(idx, b.Indices...)
		weights = append(weights, b.Weights...)
		b.Release()
	}
	if step != l.Batches() {
		t.Fatalf("%d batches, Batches() = %d", step, l.Batches())
	}
	return
}

func trainAugment() *Augment {
	return &Augment{RotationRange: 20, WidthShiftRange: 0.1, HeightShiftRange: 0.1, ZoomRange: ZoomAround(0.1),
		HorizontalFlip: true, BrightnessRange: Range{0.9, 1.1}, FillMode: FillReflect}
}

func TestLoaderDeterministicAcrossWorkersAndResume(t *testing.T) {
	ds := synthetic(203, 9, 7, 1, 4)
	train, _, _ := SplitStratified(ds.Labels, nil, 0.1, 5)
	cfg := func(workers, prefetch int) TrainConfig {
		return TrainConfig{BatchSize: 16, Seed: 42, Augment: trainAugment(), Preprocess: &Preprocess{Rescale: 1.0 / 255},
			ClassWeights: ClassWeightsBalanced(ds.Labels, 4), Workers: workers, Prefetch: prefetch}
	}
	one, _ := NewTrainLoader(ds, train, cfg(1, 1))
	many, _ := NewTrainLoader(ds, train, cfg(5, 3))
	var prev []int
	for e := range 3 {
		x1, l1, i1, w1 := epochBatches(t, one, e)
		x2, l2, i2, w2 := epochBatches(t, many, e)
		if !cmp.Equal(x1, x2) || !slices.Equal(l1, l2) || !slices.Equal(i1, i2) || !slices.Equal(w1, w2) {
			t.Fatalf("epoch %d differs between 1 and 5 workers", e)
		}
		if len(i1) != len(train) || slices.Equal(i1, prev) {
			t.Fatalf("epoch %d: %d samples, same order as before: %v", e, len(i1), slices.Equal(i1, prev))
		}
		sorted := slices.Sorted(slices.Values(i1))
		if !slices.Equal(sorted, train) {
			t.Fatal("an epoch does not visit the training split exactly once")
		}
		prev = i1
		for j, i := range i1 {
			if l1[j] != ds.Labels[i] || w1[j] != float32(ClassWeightsBalanced(ds.Labels, 4)[ds.Labels[i]]) {
				t.Fatal("labels or weights do not match the indices")
			}
		}
	}
	// A fresh loader resumed at epoch 2 reproduces epoch 2.
	resumed, _ := NewTrainLoader(ds, train, cfg(2, 0))
	xa, _, ia, _ := epochBatches(t, one, 2)
	xb, _, ib, _ := epochBatches(t, resumed, 2)
	if !cmp.Equal(xa, xb) || !slices.Equal(ia, ib) {
		t.Error("resumed epoch differs")
	}
}

func TestEvalBatchesAreNeverAugmented(t *testing.T) {
	ds := synthetic(37, 6, 6, 3, 3)
	prep := &Preprocess{Rescale: 1.0 / 255}
	tr, _ := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 8, Seed: 1, Augment: trainAugment(), Preprocess: prep, NoShuffle: true})
	ev, err := NewEvalLoader(ds, nil, EvalConfig{BatchSize: 8, Preprocess: prep})
	if err != nil {
		t.Fatal(err)
	}
	xt, _, it, _ := epochBatches(t, tr, 0)
	xe, _, ie, we := epochBatches(t, ev, 0)
	if !slices.Equal(it, ie) || we != nil {
		t.Fatal("unshuffled orders differ or eval has weights")
	}
	changed := 0
	for b := range xe {
		for j := range len(xe[b]) / ds.ImageSize() {
			i := ie[b*8+j]
			want := make([]float32, ds.ImageSize())
			prep.Apply(want, ds.Image(i), 3)
			got := xe[b][j*ds.ImageSize() : (j+1)*ds.ImageSize()]
			if !slices.Equal(got, want) {
				t.Fatalf("eval sample %d is not the plain preprocessed image", i)
			}
			if !slices.Equal(xt[b][j*ds.ImageSize():(j+1)*ds.ImageSize()], want) {
				changed++
			}
		}
	}
	if changed < 30 {
		t.Errorf("only %d of 37 training samples augmented", changed)
	}
	// Every epoch of the eval loader is the same.
	xe2, _, _, _ := epochBatches(t, ev, 5)
	if !cmp.Equal(xe, xe2) {
		t.Error("eval epochs differ")
	}
}

func TestLoaderBatchShapesAndSampling(t *testing.T) {
	ds := synthetic(10, 2, 3, 1, 2)
	for i := range 10 {
		ds.Labels[i] = 0
	}
	ds.Labels[9] = 1
	l, _ := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 4, Seed: 3})
	it := l.Epoch(0)
	var sizes []int
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		sizes = append(sizes, b.X.Shape[0])
		if b.X.Len() != b.X.Shape[0]*6 || len(b.Labels) != b.X.Shape[0] || b.Weights != nil {
			t.Fatalf("batch shape %v, %d labels, weights %v", b.X.Shape, len(b.Labels), b.Weights)
		}
		b.Release()
	}
	it.Close()
	if !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("batch sizes %v", sizes)
	}
	drop, _ := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 4, DropLast: true})
	if drop.Batches() != 2 {
		t.Errorf("DropLast: %d batches", drop.Batches())
	}
	over, _ := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 4, Sampling: Oversample, Seed: 1})
	_, labels, _, _ := epochBatches(t, over, 0)
	if c := CountClasses(labels, nil, 2); c[0] != 9 || c[1] != 9 {
		t.Errorf("oversampled epoch counts %v", c)
	}
	under, _ := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 4, Sampling: Undersample, Seed: 1})
	_, labels, _, _ = epochBatches(t, under, 0)
	if c := CountClasses(labels, nil, 2); c[0] != 1 || c[1] != 1 {
		t.Errorf("undersampled epoch counts %v", c)
	}
	// Closing an epoch early stops its workers.
	it = over.Epoch(1)
	b, _ := it.Next()
	it.Close()
	it.Close()
	if b.X.Shape[0] != 4 {
		t.Error("batch invalid after Close")
	}
	for _, bad := range []TrainConfig{{BatchSize: 0}, {BatchSize: 1, Sampling: "smote"}, {BatchSize: 1, ClassWeights: []float64{1}}, {BatchSize: 1, Augment: &Augment{FillMode: "x"}}, {BatchSize: 1, Preprocess: &Preprocess{FeaturewiseCenter: true}}} {
		if _, err := NewTrainLoader(ds, nil, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestSampleWeightsMultiplyClassWeights(t *testing.T) {
	ds := &Dataset{Height: 1, Width: 1, Channels: 1, Pixels: []uint8{1, 2, 3, 4}, Labels: []int32{0, 1, 0, 1}, Classes: []string{"a", "b"}}
	l, err := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 4, NoShuffle: true, ClassWeights: []float64{1, 3}, SampleWeights: []float64{0.5, 1, 2, 0}})
	if err != nil {
		t.Fatal(err)
	}
	it := l.Epoch(0)
	defer it.Close()
	b, _ := it.Next()
	want := []float32{0.5, 3, 2, 0}
	for i, w := range b.Weights {
		if w != want[b.Indices[i]] {
			t.Errorf("sample %d: weight %v, want %v", b.Indices[i], w, want[b.Indices[i]])
		}
	}
	if _, err := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 2, SampleWeights: []float64{1}}); err == nil {
		t.Error("accepted 1 sample weight for 4 images")
	}
}
