package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// heapHeld is the Go heap's live bytes after two collections.
func heapHeld() float64 {
	runtime.GC()
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return float64(s.HeapAlloc)
}

// heldByTraining is the bytes a training run of m holds, as train runs
// it: Build, a step that collects activation statistics (the first step
// of every run), two plain steps, and a validation pass (train's
// evaluation batch), the batches included; measured as the live heap
// afterwards less before, so garbage is not counted. No optimizer: its
// state is counted exactly (slots per trainable weight).
func heldByTraining(t *testing.T, m Model, batch int) float64 {
	t.Helper()
	before := heapHeld()
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	in := m.InputShape()
	x := tensor.New(append(tensor.Shape{batch}, in...)...)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = r.Float32()
	}
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(i % m.Output().Size())
	}
	loss := &SparseCategoricalCrossentropy{}
	m.CollectStats(true)
	m.Gradients(x, Target{Labels: labels}, nil, loss, nil)
	m.CollectStats(false)
	for range 2 {
		m.Gradients(x, Target{Labels: labels}, nil, loss, nil)
	}
	val := tensor.New(append(tensor.Shape{EvalBatch(batch, int(values(in)))}, in...)...)
	m.Forward(val, false)
	held := heapHeld() - before
	runtime.KeepAlive(m)
	runtime.KeepAlive(x)
	runtime.KeepAlive(val)
	return held
}

// estimateTestGraph is a small functional model with a residual Add, a
// Concatenate, a depthwise convolution and Dropout.
func estimateTestGraph() *Graph {
	g := NewGraph(tensor.Shape{16, 16, 3})
	x := g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same"}, g.In())
	x = g.Call(&BatchNormalization{}, x)
	x = g.Call(&Activation{Function: "relu"}, x)
	y := g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, x)
	y = g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same"}, y)
	x = g.Call(&Add{}, x, y)
	x = g.Call(&MaxPooling2D{}, x)
	z := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}}, x)
	w := g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same"}, x)
	w = g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}}, w)
	x = g.Call(&Concatenate{}, z, w)
	x = g.Call(&GlobalAveragePooling2D{}, x)
	x = g.Call(&Dropout{Rate: 0.25}, x)
	g.Call(&Dense{Units: 10, Activation: "softmax"}, x)
	return g
}

// The estimate bounds what a training run holds, and not by much: the
// presets within 1.4x of it (the conv layers' patch tiles are counted at
// their bound, which small layers do not reach: the small graph within
// 3x; it measured 2.28-2.39x, and once above 2.5x inside the whole
// package's run, where scratch that earlier tests left in the kernels'
// pools is reused and not counted as held). Before the gradient slabs, replicas and inference pass were
// counted, a Graph's estimate was below what mobilenet-v2-small and the
// small graph hold (two shards: the model keeps the whole batch's
// buffers from the statistics step, the replica its shard's).
func TestEstimateBoundsWhatTrainingAllocates(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	cases := []struct {
		name    string
		model   func() Model
		threads int
		most    float64
	}{
		{"resnet-20", func() Model { return ResNet20(tensor.Shape{32, 32, 3}, 10) }, 2, 1.4},
		{"resnet-20", func() Model { return ResNet20(tensor.Shape{32, 32, 3}, 10) }, 1, 1.4},
		{"mobilenet-v2-small", func() Model { return Presets["mobilenet-v2-small"](tensor.Shape{32, 32, 3}, 10) }, 2, 1.4},
		{"vgg-small", func() Model { return Presets["vgg-small"](tensor.Shape{32, 32, 3}, 10) }, 2, 1.4},
		{"small graph", func() Model { return estimateTestGraph() }, 2, 3},
		{"small graph", func() Model { return estimateTestGraph() }, 1, 3},
	}
	for _, c := range cases {
		runtime.GOMAXPROCS(c.threads)
		m := c.model()
		e, err := m.EstimateMemory(32, 0)
		if err != nil {
			t.Fatal(err)
		}
		held := heldByTraining(t, m, 32)
		t.Logf("%s, %d thread(s): holds %s, estimate %s (%.2fx)", c.name, c.threads, FormatBytes(held), e, e.Total()/held)
		if e.Total() < held || e.Total() > c.most*held {
			t.Errorf("%s, %d thread(s): training holds %s, estimated %s: want the estimate between 1x and %gx", c.name, c.threads, FormatBytes(held), e, c.most)
		}
	}
}

// heldByInference is the bytes an inference Forward of n samples holds
// (Build, two calls, the batch included), as heldByTraining measures.
func heldByInference(t *testing.T, m Model, n int) float64 {
	t.Helper()
	before := heapHeld()
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(append(tensor.Shape{n}, m.InputShape()...)...)
	m.Forward(x, false)
	m.Forward(x, false)
	held := heapHeld() - before
	runtime.KeepAlive(m)
	runtime.KeepAlive(x)
	return held
}

// The inference estimate (evaluate, predict) bounds what an inference
// Forward of a batch of 256 holds, within 2x: it runs in micro-batches,
// one per thread. Counted as one pass over the whole batch, it was
// 63.7 MiB for resnet-20's 29.7 on two threads.
func TestEstimateBoundsWhatInferenceAllocates(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, threads := range []int{2, 1} {
		runtime.GOMAXPROCS(threads)
		for _, name := range []string{"resnet-20", "mobilenet-v2-small", "vgg-small"} {
			m := Presets[name](tensor.Shape{32, 32, 3}, 10)
			e, err := m.EstimateMemory(256, -1)
			if err != nil {
				t.Fatal(err)
			}
			held := heldByInference(t, m, 256)
			t.Logf("%s, %d thread(s): holds %s, estimate %s (%.2fx)", name, threads, FormatBytes(held), e, e.Total()/held)
			if e.Total() < held || e.Total() > 2*held {
				t.Errorf("%s, %d thread(s): inference holds %s, estimated %s: want the estimate between 1x and 2x", name, threads, FormatBytes(held), e)
			}
		}
	}
}
