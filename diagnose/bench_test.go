package diagnose

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// BenchmarkMonitorOverhead trains the basic CNN (batch 32, 100 steps per
// epoch, 2 epochs, Adam) with MetricsLogger at its default interval, with
// and without a Monitor, alternating the two so that drift cancels. It
// reports ns/step of each and the monitor's overhead as a share of the
// step time (its default cost: loss, per-sample outcomes, following
// metrics.jsonl, detectors at the adaptive cadence, epoch-end analysis
// and the diagnosis.json write). The monitor's own measurement of itself
// (Diagnosis.OverheadFraction) is reported as self-%.
func BenchmarkMonitorOverhead(b *testing.B) {
	const steps, batch, epochs = 100, 32, 2
	ds := data.Random(steps*batch, 28, 28, 1, 10, 1)
	tr, err := data.NewTrainLoader(ds, nil, data.TrainConfig{BatchSize: batch, Seed: 1, Preprocess: &data.Preprocess{Rescale: 1.0 / 255}})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	fit := func(withMonitor bool) (time.Duration, float64) {
		m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
		if err := m.Build(1); err != nil {
			b.Fatal(err)
		}
		cbs := []train.Callback{&train.MetricsLogger{Path: filepath.Join(dir, train.MetricsFile)}}
		var mon *Monitor
		if withMonitor {
			mon = &Monitor{Dir: dir}
			cbs = append(cbs, mon)
		}
		opts := train.Options{Epochs: epochs, Loss: &nn.SparseCategoricalCrossentropy{}, Optimizer: optim.NewAdam(optim.Config{}),
			Classes: ds.Classes, Callbacks: cbs}
		start := time.Now()
		if _, err := train.Fit(context.Background(), m, tr, nil, opts); err != nil {
			b.Fatal(err)
		}
		if mon != nil {
			return time.Since(start), mon.Diagnosis().OverheadFraction
		}
		return time.Since(start), 0
	}
	var base, with time.Duration
	var self float64
	n := 0
	for b.Loop() {
		d0, _ := fit(false)
		d1, s := fit(true)
		base, with, self = base+d0, with+d1, self+s
		n++
	}
	perStep := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n*steps*epochs) }
	b.ReportMetric(perStep(base), "ns/step-without")
	b.ReportMetric(perStep(with), "ns/step-with")
	b.ReportMetric(100*(perStep(with)-perStep(base))/perStep(base), "overhead-%")
	b.ReportMetric(100*self/float64(n), "self-%")
}

// BenchmarkAnalyze is one run of every detector on a 5-epoch run's
// signals (what the monitor does at its cadence).
func BenchmarkAnalyze(b *testing.B) {
	s := healthySignals(b, synthEpochs)
	for b.Loop() {
		Analyze(s)
	}
}
