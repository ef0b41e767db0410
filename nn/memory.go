package nn

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// footprint is what one layer will cost, counted in float32 values
// before anything is allocated: its weights (once per model) and its
// buffers (per sample of a batch).
type footprint struct {
	out       tensor.Shape
	trainable float64 // trainable weights; each also gets a gradient
	fixed     float64 // non-trainable weights (moving statistics)
	copies    float64 // kernels kept transformed beside the weights (Winograd)
	buffers   float64 // per sample: output and scratch (masks), and the input gradient where dx is 0
	// dx is the input gradient per sample of a layer that writes it into
	// a Sequential's arena or a Graph's gradient slabs (counted as the
	// slabs, memory_run.go); arena: the layer's inference output goes there.
	dx    float64
	arena bool
	// tile is scratch that grows with the batch up to a bound: Conv2D's
	// patch matrix and its gradient, tilePerSample values per sample, at
	// most tileMax; tileShared: scratch the model's layers share (a
	// Winograd chunk's, arena.scratch), counted once for the largest.
	tilePerSample, tileMax float64
	tileShared             bool
}

// planner is implemented by every layer of this package: plan checks the
// layer's config against the per-sample input shape and returns its
// output shape and costs without allocating anything. Build calls it
// first; the model's memory estimate adds the plans up.
type planner interface {
	plan(in tensor.Shape) (footprint, error)
}

// validator is implemented by layers whose config can be checked without
// an input shape (units, rates, names of activations and initializers);
// a spec's layers are checked with it when the spec is read.
type validator interface {
	validate() error
}

// validateLayer checks l's config on its own, when l can say.
func validateLayer(l Layer) error {
	if v, ok := l.(validator); ok {
		return v.validate()
	}
	return nil
}

// maxDim and maxValues bound shapes so that sizes stay exact in int:
// anything larger cannot be held in memory anyway.
const (
	maxDim    = 1 << 40
	maxValues = 1 << 50
)

// values is the number of values in a per-sample shape, as a float64 so
// that absurd shapes do not overflow.
func values(s tensor.Shape) float64 {
	n := 1.0
	for _, d := range s {
		n *= float64(d)
	}
	return n
}

// checkShape refuses a per-sample shape with a non-positive dimension or
// more values than any machine holds.
func checkShape(what string, s tensor.Shape) error {
	for _, d := range s {
		if d <= 0 {
			return fmt.Errorf("%s %s has a non-positive dimension", what, FormatShape(s))
		}
		if d > maxDim {
			return fmt.Errorf("%s %s: dimension %d is too large", what, FormatShape(s), d)
		}
	}
	if v := values(s); v > maxValues {
		return fmt.Errorf("%s %s has %.3g values per sample, more than any machine's memory holds", what, FormatShape(s), v)
	}
	return nil
}

// layerPlan returns l's footprint. A layer that does not plan is built
// (with a throwaway random source; Build rebuilds it) to learn its output
// shape and weights, its buffers taken as its output and input gradient.
func layerPlan(l Layer, in tensor.Shape) (footprint, error) {
	if p, ok := l.(planner); ok {
		return p.plan(in)
	}
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		return footprint{}, err
	}
	fp := footprint{out: out, buffers: values(out) + values(in)}
	for _, p := range l.Params() {
		if p.Trainable {
			fp.trainable += float64(p.Value.Len())
		} else {
			fp.fixed += float64(p.Value.Len())
		}
	}
	return fp, nil
}

// plan names the layers and checks every layer against its input shape
// without allocating; it returns the layers' footprints.
func (m *Sequential) plan() ([]footprint, error) {
	if len(m.Input) == 0 {
		return nil, fmt.Errorf("model %s: no input shape", m.Name())
	}
	if err := checkShape("model "+m.Name()+": input shape", m.Input); err != nil {
		return nil, err
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("model %s: no layers", m.Name())
	}
	if err := m.nameLayers(); err != nil {
		return nil, err
	}
	shape := m.Input.Clone()
	fps := make([]footprint, len(m.Layers))
	for i, l := range m.Layers {
		fp, err := layerPlan(l, shape)
		if err == nil {
			err = checkShape("output shape", fp.out)
		}
		if err != nil {
			return nil, fmt.Errorf("layer %d %s (%s) with input shape %s: %w", i, l.Name(), l.Type(), FormatShape(shape), err)
		}
		fps[i] = fp
		shape = fp.out
	}
	planInPlace(m.Layers, fps)
	return fps, nil
}

// MemoryEstimate is what training a model takes, in bytes, before
// anything is allocated: weights, their gradients, the optimizer's
// per-weight state, the per-batch buffers (activations, gradients of
// the activations, im2col columns, the input batch), the other threads'
// copies of a sharded step and an inference pass's buffers (memory_run.go).
// Buffers of the data set itself are not included.
type MemoryEstimate struct {
	Batch          int
	Weights        float64
	KernelCopies   float64 // transformed kernels kept beside the weights (Winograd)
	Gradients      float64
	OptimizerState float64
	Activations    float64 // the layers' buffers for the whole batch: on the model, or in shards on it and its replicas
	Shards         int     // training: shards of a step, one per thread (1: the whole batch on the model)
	Replicas       float64 // the other shards' copies of the model: their weight gradients
	Inference      float64 // an inference pass between training steps (validation): its micro-batches, on every thread
}

// Total is the sum of the parts.
func (e MemoryEstimate) Total() float64 {
	return e.Weights + e.KernelCopies + e.Gradients + e.OptimizerState + e.Activations + e.Replicas + e.Inference
}

// String is one line: the total and its parts.
func (e MemoryEstimate) String() string {
	s := fmt.Sprintf("about %s (weights %s", FormatBytes(e.Total()), FormatBytes(e.Weights))
	if e.KernelCopies > 0 {
		s += fmt.Sprintf(", transformed kernels %s", FormatBytes(e.KernelCopies))
	}
	if e.Gradients > 0 {
		s += fmt.Sprintf(", gradients %s", FormatBytes(e.Gradients))
	}
	if e.OptimizerState > 0 {
		s += fmt.Sprintf(", optimizer state %s", FormatBytes(e.OptimizerState))
	}
	s += fmt.Sprintf(", activations of a batch of %d: %s", e.Batch, FormatBytes(e.Activations))
	switch {
	case e.Shards == 2:
		s += fmt.Sprintf(" in 2 shards, the second thread's weight gradients %s", FormatBytes(e.Replicas))
	case e.Shards > 2:
		s += fmt.Sprintf(" in %d shards, %d more threads' weight gradients %s", e.Shards, e.Shards-1, FormatBytes(e.Replicas))
	}
	if e.Inference > 0 {
		s += fmt.Sprintf(", a validation pass %s", FormatBytes(e.Inference))
	}
	return s + ")"
}

// EstimateMemory estimates the memory of training m (built or not) at
// this batch size with an optimizer keeping slots values per trainable
// weight (Adam: 2, SGD with momentum: 1); slots < 0 estimates inference
// only (no optimizer state, an inference Forward's buffers). Both are
// counted as they run on GOMAXPROCS threads (memory_run.go).
func (m *Sequential) EstimateMemory(batch, slots int) (MemoryEstimate, error) {
	if batch < 1 {
		return MemoryEstimate{}, fmt.Errorf("batch size %d: want 1 or more", batch)
	}
	fps, err := m.plan()
	if err != nil {
		return MemoryEstimate{}, err
	}
	rp := runPlan{gradSlabs: 2, inferSlabs: 2, minShard: minShardSamples,
		microBytes: shardMicroBatchBytes, soloBytes: seqMicroBatchBytes * runtime.GOMAXPROCS(0)}
	in := m.Input
	ins := make([]tensor.Shape, len(fps))
	for i, fp := range fps {
		ins[i], in = in, fp.out
	}
	rp.shardable = planShardable(m.Layers, ins, batch, minShardSamples)
	return estimate(m.Input, fps, batch, slots, rp), nil
}

// Fits returns an error, naming the estimate and the limit, when the
// estimate exceeds the memory available on this machine (Linux'
// MemAvailable); where that cannot be read, everything fits.
func (e MemoryEstimate) Fits() error {
	return fitsMemory(e.Total(), e.String())
}

func fitsMemory(need float64, what string) error {
	avail, total, ok := SystemMemory()
	if !ok || need <= float64(avail) {
		return nil
	}
	return fmt.Errorf("needs %s, more than the %s of memory available (of %s) on this machine",
		what, FormatBytes(float64(avail)), FormatBytes(float64(total)))
}

// SystemMemory returns MemAvailable and MemTotal from /proc/meminfo in
// bytes; ok is false where there is no such file.
func SystemMemory() (available, total uint64, ok bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemAvailable:":
			available = kb * 1024
		case "MemTotal:":
			total = kb * 1024
		}
	}
	return available, total, available > 0 && total > 0
}

// FormatBytes prints a byte count with a binary unit: 1536 -> "1.5 KiB".
func FormatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for math.Abs(b) >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

// MemoryEstimator is a model that can estimate its training memory
// before Build (Sequential does).
type MemoryEstimator interface {
	EstimateMemory(batch, slots int) (MemoryEstimate, error)
}

// weightsFit checks that the weights planned in fps and their gradients
// (4 bytes a value) fit in the machine's available memory, before Build
// allocates them.
func weightsFit(fps []footprint) error {
	var weights float64
	for _, fp := range fps {
		weights += 4 * (2*fp.trainable + fp.fixed + fp.copies)
	}
	return fitsMemory(weights, "about "+FormatBytes(weights)+" for its weights and their gradients")
}

// buildRNG is the generator a model's Build draws every initial weight
// (and every Dropout seed) from, in layer order.
func buildRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
