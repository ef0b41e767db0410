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
}

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", "bench [--model NAME] [--batch N] [--seconds S] [--json]",
		"  cnnscope bench --model basic-cnn --batch 32 --seconds 20\n  cnnscope bench --batch 128 --json\n", stderr)
	model := fs.String("model", "basic-cnn", "model preset")
	input := fs.String("input", "28,28,1", "input shape height,width,channels")
	classes := fs.Int("classes", 10, "number of classes")
	batch := fs.Int("batch", 32, "training batch size")
	inferBatch := fs.Int("infer-batch", 256, "inference batch size")
	seconds := fs.Float64("seconds", 20, "total measuring time, split between training and inference")
	threads := fs.Int("threads", 0, "cores to use (0: all)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	addFormat(fs, asJSON)
	err := parseFlags(fs, args)
	if err == nil {
		var r benchResult
		r, err = bench(*model, *input, *classes, *batch, *inferBatch, *seconds, *threads)
		if err == nil {
			err = printBench(stdout, r, *asJSON)
		}
	}
	return exitCode(stderr, "bench", err)
}

func bench(model, input string, classes, batch, inferBatch int, seconds float64, threads int) (benchResult, error) {
	shape, err := parseShape("input", input)
	if err != nil {
		return benchResult{}, err
	}
	if batch <= 0 || inferBatch <= 0 || !(seconds > 0 && seconds <= 24*3600) || threads < 0 || classes < 1 {
		return benchResult{}, usagef("--batch, --infer-batch and --classes must be positive, --seconds in (0, 86400], --threads >= 0")
	}
	if threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	}
	m, err := nn.NewPreset(model, shape, classes)
	if err != nil {
		return benchResult{}, usageError{err.Error()}
	}
	for _, b := range []struct {
		n, slots int
		what     string
	}{{batch, 2, "training"}, {inferBatch, -1, "inference"}} {
		e, err := m.EstimateMemory(b.n, b.slots)
		if err == nil {
			err = e.Fits()
		}
		if err != nil {
			return benchResult{}, usagef("%s %v", b.what, err)
		}
	}
	if err := m.Build(1); err != nil {
		return benchResult{}, usageError{err.Error()}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomImages(rng, batch, shape)
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(classes))
	}
	loss := &nn.SparseCategoricalCrossentropy{}
	opt := optim.NewAdam(optim.Config{})
	params := m.Params()
	step := func() {
		m.Gradients(x, nn.Target{Labels: labels}, nil, loss, nil)
		opt.Step(params)
	}
	half := time.Duration(seconds / 2 * float64(time.Second))
	trainSteps, trainTime := timeLoop(step, half)
	xi := randomImages(rng, inferBatch, shape)
	inferSteps, inferTime := timeLoop(func() { m.Forward(xi, false) }, half)
	flops := m.ForwardFLOPs()
	r := benchResult{
		Model: model, Input: shape, Batch: batch, InferBatch: inferBatch, Threads: runtime.GOMAXPROCS(0),
		TrainSteps: trainSteps, ForwardFLOPs: flops, PeakRSSMiB: peakRSSMiB(),
		MeasuredSeconds: (trainTime + inferTime).Seconds(),
	}
	r.TrainSamplesPerS = float64(trainSteps*batch) / trainTime.Seconds()
	r.InferSamplesPerS = float64(inferSteps*inferBatch) / inferTime.Seconds()
	r.TrainGFLOPs = r.TrainSamplesPerS * 3 * float64(flops) / 1e9
	r.InferGFLOPs = r.InferSamplesPerS * float64(flops) / 1e9
	r.TrainStepMillisec = trainTime.Seconds() * 1000 / float64(trainSteps)
	return r, nil
}

func randomImages(rng *rand.Rand, n int, shape []int) *tensor.Tensor {
	x := tensor.New(append([]int{n}, shape...)...)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	return x
}

// timeLoop runs f a few times to warm up, then repeatedly for about d,
// and returns the count and time of the measured calls.
func timeLoop(f func(), d time.Duration) (int, time.Duration) {
	warm := time.Now()
	for i := 0; i < 3 || time.Since(warm) < d/10; i++ {
		f()
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
	return err
}
