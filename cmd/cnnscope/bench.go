package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

func init() {
	commands["bench"] = command{summary: "measure training and inference throughput (samples/s) of a model", run: runBench}
}

// benchResult is what bench prints; --json prints it as one object.
type benchResult struct {
	Model             string  `json:"model"`
	Input             []int   `json:"input"`
	Batch             int     `json:"batch"`
	InferBatch        int     `json:"infer_batch"`
	Threads           int     `json:"threads"`
	TrainSamplesPerS  float64 `json:"train_samples_per_s"`
	InferSamplesPerS  float64 `json:"infer_samples_per_s"`
	TrainGFLOPs       float64 `json:"train_gflop_per_s"`
	InferGFLOPs       float64 `json:"infer_gflop_per_s"`
	TrainSteps        int     `json:"train_steps"`
	ForwardFLOPs      int     `json:"forward_flop_per_sample"`
	PeakRSSMiB        float64 `json:"peak_rss_mib"`
	MeasuredSeconds   float64 `json:"measured_seconds"`
	TrainStepMillisec float64 `json:"train_step_ms"`
	// --layers: the FMA peak measured in this run, and each layer's times
	FMAPeak    float64      `json:"fma_peak_gflop_per_s,omitempty"`
	FMAPeakISA string       `json:"fma_peak_isa,omitempty"`
	Layers     []benchLayer `json:"layers,omitempty"`
	Conv3x3    *benchConvs  `json:"conv3x3,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", "bench [--model NAME] [--batch N] [--seconds S] [--layers] [--json]",
		"  cnnscope bench --model basic-cnn --batch 32 --seconds 20\n  cnnscope bench --batch 128 --json\n"+
			"  cnnscope bench --model vgg-small --input 64,64,3 --threads 1 --layers\n", stderr)
	model := fs.String("model", "basic-cnn", "model preset")
	input := fs.String("input", "28,28,1", "input shape height,width,channels")
	classes := fs.Int("classes", 10, "number of classes")
	batch := fs.Int("batch", 32, "training batch size")
	inferBatch := fs.Int("infer-batch", 256, "inference batch size")
	seconds := fs.Float64("seconds", 20, "total measuring time, split between training and inference")
	threads := fs.Int("threads", 0, "cores to use (0: all)")
	layers := fs.Bool("layers", false, "also measure the FMA peak and time each layer (in as many calls again, after the measured ones)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	addFormat(fs, asJSON)
	err := parseFlags(fs, args)
	if err == nil {
		var r benchResult
		r, err = bench(benchConfig{*model, *input, *classes, *batch, *inferBatch, *seconds, *threads, *layers})
		if err == nil {
			err = printBench(stdout, r, *asJSON)
		}
	}
	return exitCode(stderr, "bench", err)
}

// benchConfig is bench's flags.
type benchConfig struct {
	model, input               string
	classes, batch, inferBatch int
	seconds                    float64
	threads                    int
	layers                     bool
}

func bench(c benchConfig) (benchResult, error) {
	shape, err := parseShape("input", c.input)
	if err != nil {
		return benchResult{}, err
	}
	if err := firstBelow(intFlag{"batch", c.batch, 1}, intFlag{"infer-batch", c.inferBatch, 1}, intFlag{"classes", c.classes, 1}, intFlag{"threads", c.threads, 0}); err != nil {
		return benchResult{}, err
	}
	if !(c.seconds > 0 && c.seconds <= 24*3600) {
		return benchResult{}, usagef("--seconds %g: want more than 0 and at most 86400", c.seconds)
	}
	if c.threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.threads))
	}
	m, err := benchModel(c, shape)
	if err != nil {
		return benchResult{}, err
	}
	var timer layerTimer
	r := benchResult{Model: c.model, Input: shape, Batch: c.batch, InferBatch: c.inferBatch, Threads: runtime.GOMAXPROCS(0)}
	if c.layers {
		measurePeak(&r, c.seconds)
		timer, _ = m.(layerTimer)
	}
	measure(m, timer, c, &r)
	return r, nil
}

// benchModel builds the preset and checks that its training and inference
// batches fit in memory.
func benchModel(c benchConfig, shape []int) (nn.Model, error) {
	m, err := nn.NewPreset(c.model, shape, c.classes)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	for _, b := range []struct {
		n, slots int
		what     string
	}{{c.batch, 2, "training"}, {c.inferBatch, -1, "inference"}} {
		e, err := m.EstimateMemory(b.n, b.slots)
		if err == nil {
			err = e.Fits()
		}
		if err != nil {
			return nil, usagef("%s %v", b.what, err)
		}
	}
	if err := m.Build(1); err != nil {
		return nil, usageError{err.Error()}
	}
	return m, nil
}

// measure times training steps (Gradients and an Adam step) on random
// images for half of the seconds, then inference calls for the other
// half; with a timer, each layer over as many calls again after them
// (timeEachLayer).
func measure(m nn.Model, timer layerTimer, c benchConfig, r *benchResult) {
	shape := r.Input
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomImages(rng, c.batch, shape)
	labels := make([]int32, c.batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(c.classes))
	}
	loss := &nn.SparseCategoricalCrossentropy{}
	opt := optim.NewAdam(optim.Config{})
	params := m.Params()
	step := func() {
		m.Gradients(x, nn.Target{Labels: labels}, nil, loss, nil)
		opt.Step(params)
	}
	half := time.Duration(c.seconds / 2 * float64(time.Second))
	trainSteps, trainTime := timeLoop(step, half, nil)
	xi := randomImages(rng, c.inferBatch, shape)
	infer := func() { m.Forward(xi, false) }
	inferSteps, inferTime := timeLoop(infer, half, nil)
	flops := m.ForwardFLOPs()
	r.TrainSteps, r.ForwardFLOPs, r.PeakRSSMiB = trainSteps, flops, peakRSSMiB()
	r.MeasuredSeconds = (trainTime + inferTime).Seconds()
	r.TrainSamplesPerS = float64(trainSteps*c.batch) / trainTime.Seconds()
	r.InferSamplesPerS = float64(inferSteps*c.inferBatch) / inferTime.Seconds()
	r.TrainGFLOPs = r.TrainSamplesPerS * 3 * float64(flops) / 1e9
	r.InferGFLOPs = r.InferSamplesPerS * float64(flops) / 1e9
	r.TrainStepMillisec = trainTime.Seconds() * 1000 / float64(trainSteps)
	if timer != nil {
		r.Layers, r.Conv3x3 = timeEachLayer(timer, step, infer, half, r.FMAPeak)
	}
}

// timeEachLayer runs training steps and then inference calls again, for
// about d each, with the model timing each layer. The samples/s come from
// the calls before, untimed: a timed model runs its layers one by one on
// the whole batch (no data-parallel shards), so its per-layer times
// describe that path.
func timeEachLayer(timer layerTimer, step, infer func(), d time.Duration, peak float64) ([]benchLayer, *benchConvs) {
	on := func() { timer.TimeLayers(true) }
	trainSteps, _ := timeLoop(step, d, on)
	trainLayers := timer.LayerTimes()
	inferCalls, _ := timeLoop(infer, d, on)
	defer timer.TimeLayers(false)
	return layerRows(trainLayers, timer.LayerTimes(), trainSteps, inferCalls, peak)
}

func randomImages(rng *rand.Rand, n int, shape []int) *tensor.Tensor {
	x := tensor.New(append([]int{n}, shape...)...)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	return x
}

// timeLoop runs f a few times to warm up, then begin (if any), then f repeatedly
// for about d, and returns the count and time of the measured calls.
func timeLoop(f func(), d time.Duration, begin func()) (int, time.Duration) {
	warm := time.Now()
	for i := 0; i < 3 || time.Since(warm) < d/10; i++ {
		f()
	}
	if begin != nil {
		begin()
	}
	start := time.Now()
	n := 0
	for n == 0 || time.Since(start) < d {
		f()
		n++
	}
	return n, time.Since(start)
}

func printBench(w io.Writer, r benchResult, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintf(w, "model %s, input %v, %d threads\n"+
		"train: %.0f samples/s at batch %d (%.2f ms/step, %.1f GFLOP/s)\n"+
		"infer: %.0f samples/s at batch %d (%.1f GFLOP/s)\n"+
		"peak RSS: %.1f MiB\n",
		r.Model, r.Input, r.Threads, r.TrainSamplesPerS, r.Batch, r.TrainStepMillisec, r.TrainGFLOPs,
		r.InferSamplesPerS, r.InferBatch, r.InferGFLOPs, r.PeakRSSMiB)
	if err != nil || r.Layers == nil {
		return err
	}
	return printLayers(w, r)
}
