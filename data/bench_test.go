package data

import (
	"fmt"
	"testing"
)

// benchAugment is a typical MNIST-style augmentation.
var benchAugment = &Augment{RotationRange: 10, WidthShiftRange: 0.1, HeightShiftRange: 0.1, ZoomRange: ZoomAround(0.1)}

// runPipeline consumes b.N batches from the loader, epoch after epoch,
// and reports images/s.
func runPipeline(b *testing.B, l *Loader) {
	b.Helper()
	n := 0
	b.ResetTimer()
	for epoch := 0; n < b.N; epoch++ {
		it := l.Epoch(epoch)
		for batch, ok := it.Next(); ok && n < b.N; batch, ok = it.Next() {
			n++
			batch.Release()
		}
		it.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(n*l.cfg.BatchSize)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkPipelineMNIST measures training batches of 28x28 grayscale
// images with augmentation and 1/255 rescaling (the MNIST training set
// when its module is downloaded, synthetic images otherwise).
func BenchmarkPipelineMNIST(b *testing.B) {
	ds, err := LoadBuiltin("mnist", "train")
	if err != nil {
		b.Logf("using synthetic images: %v", err)
		ds = synthetic(60000, 28, 28, 1, 10)
	}
	for _, aug := range []*Augment{nil, benchAugment} {
		for _, workers := range []int{1, 0} {
			b.Run(fmt.Sprintf("augment=%v/workers=%d", aug != nil, workers), func(b *testing.B) {
				l, err := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 32, Seed: 1, Augment: aug,
					Preprocess: &Preprocess{Rescale: 1.0 / 255}, ClassWeights: ClassWeightsBalanced(ds.Labels, 10), Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				runPipeline(b, l)
			})
		}
	}
}

// BenchmarkPipelineJPEG224 decodes a folder of 224x224 RGB JPEGs once
// (reported as decode images/s) and then measures augmented training
// batches from the decoded cache.
func BenchmarkPipelineJPEG224(b *testing.B) {
	dir := b.TempDir()
	const files = 128
	for i := range files {
		writeFile(b, dir, fmt.Sprintf("c%d/%03d.jpg", i%4, i), encodeJPEG(b, gradient(224, 224, i, "rgb")))
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadFolder(dir, FolderOptions{Height: 224, Width: 224, ColorMode: RGB}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*files)/b.Elapsed().Seconds(), "images/s")
	})
	ds, err := LoadFolder(dir, FolderOptions{Height: 224, Width: 224, ColorMode: RGB})
	if err != nil {
		b.Fatal(err)
	}
	aug := &Augment{RotationRange: 15, WidthShiftRange: 0.1, HeightShiftRange: 0.1, ZoomRange: ZoomAround(0.1), HorizontalFlip: true}
	b.Run("augment", func(b *testing.B) {
		l, err := NewTrainLoader(ds, nil, TrainConfig{BatchSize: 32, Seed: 1, Augment: aug, Preprocess: &Preprocess{Rescale: 1.0 / 255}})
		if err != nil {
			b.Fatal(err)
		}
		runPipeline(b, l)
	})
}

// BenchmarkInspectMNIST inspects MNIST's training and test sets: counts,
// pixel statistics, exact and near duplicates.
func BenchmarkInspectMNIST(b *testing.B) {
	train, err := LoadBuiltin("mnist", "train")
	if err != nil {
		b.Skip(err)
	}
	test, err := LoadBuiltin("mnist", "test")
	if err != nil {
		b.Fatal(err)
	}
	var r *Report
	for b.Loop() {
		r = Inspect([]InspectSet{{Name: "train", Data: train}, {Name: "test", Data: test}}, InspectOptions{})
	}
	b.ReportMetric(float64(b.N*(train.Len()+test.Len()))/b.Elapsed().Seconds(), "images/s")
	b.Logf("exact %v near %v (bucket entries not compared: %d)", r.Duplicates.Exact, r.Duplicates.Near, r.Duplicates.NearTruncated)
}
