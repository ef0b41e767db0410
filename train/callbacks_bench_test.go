package train

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkFitCallbacks measures one epoch of the basic CNN (batch 32, 20
// steps, Adam, no validation) with each callback, in ns per step: the
// difference with "none" is the callback's overhead. For MetricsLogger,
// every=1 logs every step (its cost per logged step) and every=50 is the
// default (over 20 steps only step 1 is logged, so per-step cost at the
// default is about (every=1 − none)/50 plus the idle test).
func BenchmarkFitCallbacks(b *testing.B) {
	const steps, batch = 20, 32
	ds := data.Random(steps*batch, 28, 28, 1, 10, 1)
	tr, err := data.NewTrainLoader(ds, nil, data.TrainConfig{BatchSize: batch, Seed: 1, Preprocess: &data.Preprocess{Rescale: 1.0 / 255}})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, bc := range []struct {
		name string
		cbs  func() []Callback
	}{
		{"none", func() []Callback { return nil }},
		{"metrics-every-50", func() []Callback { return []Callback{&MetricsLogger{Path: filepath.Join(dir, "m50.jsonl")}} }},
		{"metrics-every-1", func() []Callback { return []Callback{&MetricsLogger{Path: filepath.Join(dir, "m1.jsonl"), Every: 1}} }},
		{"terminate-on-nan", func() []Callback { return []Callback{&TerminateOnNaN{}} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
			if err := m.Build(1); err != nil {
				b.Fatal(err)
			}
			opts := Options{Epochs: 1, Loss: &nn.SparseCategoricalCrossentropy{}, Optimizer: optim.NewAdam(optim.Config{}),
				Classes: ds.Classes}
			start := time.Now()
			for b.Loop() {
				opts.Callbacks = bc.cbs()
				if _, err := Fit(context.Background(), m, tr, nil, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*steps), "ns/step")
		})
	}
}

// BenchmarkMetricsLoggerIdle is BatchEnd on a step that is not logged.
func BenchmarkMetricsLoggerIdle(b *testing.B) {
	s := fakeState(b, 0.1)
	c := &MetricsLogger{Path: filepath.Join(b.TempDir(), "m.jsonl"), Every: 1 << 30}
	s.Step = 5
	if err := c.TrainBegin(s); err != nil {
		b.Fatal(err)
	}
	info := &StepInfo{Loss: 1}
	for b.Loop() {
		s.Step++
		_ = c.BatchEnd(s, info)
	}
	c.TrainEnd(s)
}

// BenchmarkMetricsLoggerLogged is the logger's own work on a logged step
// of the basic CNN (weights copy, norms, JSON line; not the statistics
// collected in the forward pass, which BenchmarkFitCallbacks includes).
func BenchmarkMetricsLoggerLogged(b *testing.B) {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		b.Fatal(err)
	}
	s := fakeState(b, 0.1)
	s.Model = m
	c := &MetricsLogger{Path: filepath.Join(b.TempDir(), "m.jsonl"), Every: 1}
	if err := c.TrainBegin(s); err != nil {
		b.Fatal(err)
	}
	info := &StepInfo{Loss: 1}
	for b.Loop() {
		s.Step++
		_ = c.BatchEnd(s, info)
	}
	c.TrainEnd(s)
}

// BenchmarkTerminateOnNaNStep is TerminateOnNaN's check of a good step of
// the basic CNN (93,322 params).
func BenchmarkTerminateOnNaNStep(b *testing.B) {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		b.Fatal(err)
	}
	s := fakeState(b, 0.1)
	s.Model = m
	c := &TerminateOnNaN{}
	c.TrainBegin(s)
	info := &StepInfo{Loss: 1}
	for b.Loop() {
		_ = c.BatchEnd(s, info)
	}
}

// BenchmarkForwardStats is the basic CNN's training forward pass on a
// batch of 32 with activation statistics off and on: the difference is
// what MetricsLogger adds to the forward pass of a logged step.
func BenchmarkForwardStats(b *testing.B) {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		b.Fatal(err)
	}
	x := tensor.New(32, 28, 28, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	for _, on := range []bool{false, true} {
		b.Run("stats="+strconv.FormatBool(on), func(b *testing.B) {
			m.CollectStats(on)
			for b.Loop() {
				m.Forward(x, true)
			}
			m.CollectStats(false)
		})
	}
}
