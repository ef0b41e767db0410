package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGraphMicroBatchSameBits runs the graph presets' inference Forward
// on a batch in one pass and in micro-batches of 1 and 3 samples (the
// last one shorter), on one thread and on two (each thread its own
// micro-batches, the second on a replica): the outputs must be the same
// bits, with and without BatchNormalization's moving statistics away
// from their start.
func TestGraphMicroBatchSameBits(t *testing.T) {
	defer func(b, s int) { microBatchBytes, shardMicroBatchBytes = b, s }(microBatchBytes, shardMicroBatchBytes)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		name string
		in   tensor.Shape
	}{{"resnet-20", tensor.Shape{8, 8, 3}}, {"mobilenet-v2-small", tensor.Shape{32, 32, 3}}} {
		m, err := NewPreset(c.name, c.in, 5)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
		g := m.(*Graph)
		rng := rand.New(rand.NewPCG(4, 5))
		for _, p := range g.Params() {
			if p.Param.Name == "moving_mean" || p.Param.Name == "moving_variance" {
				for i := range p.Param.Value.Data {
					p.Param.Value.Data[i] = 0.5 + rng.Float32()
				}
			}
		}
		x := tensor.New(append([]int{7}, c.in...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()
		}
		microBatchBytes = 1 << 30
		runtime.GOMAXPROCS(1)
		whole := g.Forward(x, false).Clone()
		for _, per := range []int{1, 3} {
			microBatchBytes = 4 * g.arena.perSample * per
			if microBatch(microBatchBytes, g.arena.perSample) != per {
				t.Fatalf("%s: micro-batch %d, want %d", c.name, microBatch(microBatchBytes, g.arena.perSample), per)
			}
			sameMicroBits(t, fmt.Sprintf("%s, micro-batches of %d", c.name, per), g.Forward(x, false), whole)
		}
		for _, per := range []int{1, 3} { // one thread a micro-batch (graph_micro_shards.go)
			runtime.GOMAXPROCS(2)
			shardMicroBatchBytes = 2 * g.arena.perSample * per
			if w, mb := inferShards(7, g.arena.perSample, 0, graphShardBytes()); w != 2 || mb != per {
				t.Fatalf("%s: %d threads, micro-batch %d; want 2, %d", c.name, w, mb, per)
			}
			what := fmt.Sprintf("%s, 2 threads, micro-batches of %d", c.name, per)
			sameMicroBits(t, what, g.Forward(x, false), whole)
			if len(g.infer.reps) != 1 {
				t.Fatalf("%s: %d replicas, want 1", what, len(g.infer.reps))
			}
			runtime.GOMAXPROCS(1) // the replica alone, on the model's weights
			sameMicroBits(t, what+": the replica alone", g.infer.reps[0].Forward(x, false), whole)
		}
	}
}

// TestSequentialMicroBatchSameBits: a Sequential's inference Forward in
// micro-batches of 1 and 3 samples, on one thread and on two (each thread
// its own micro-batches, the second on a replica), gives the bits of one
// pass (vgg-small holds BatchNormalizations written in place over relu
// Conv2Ds), also after the weights change between two Forwards.
func TestSequentialMicroBatchSameBits(t *testing.T) {
	defer func(b, s int) { seqMicroBatchBytes, shardMicroBatchBytes = b, s }(seqMicroBatchBytes, shardMicroBatchBytes)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		name string
		in   tensor.Shape
	}{{"basic-cnn", tensor.Shape{28, 28, 1}}, {"vgg-small", tensor.Shape{16, 16, 3}}} {
		m, err := NewPreset(c.name, c.in, 5)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(3); err != nil {
			t.Fatal(err)
		}
		s := m.(*Sequential)
		rng := rand.New(rand.NewPCG(4, 6))
		x := tensor.New(append([]int{7}, c.in...)...)
		for i := range x.Data {
			x.Data[i] = rng.Float32()
		}
		s.Forward(x, true) // moving statistics away from their start
		for round := 0; round < 2; round++ {
			if round == 1 { // new weights: the micro-batches' hint (setSameWeights) must not outlive its Forward
				for _, p := range s.Params() {
					if p.Param.Name == "kernel" {
						for i := range p.Param.Value.Data {
							p.Param.Value.Data[i] *= -0.75
						}
					}
				}
			}
			seqMicroBatchBytes = 1 << 30
			runtime.GOMAXPROCS(1)
			whole := s.Forward(x, false).Clone()
			for _, per := range []int{1, 3} {
				seqMicroBatchBytes = 4 * s.arena.perSample * per
				if got := seqMicroBatch(s.arena.perSample); got != per {
					t.Fatalf("%s: micro-batch %d, want %d", c.name, got, per)
				}
				sameMicroBits(t, fmt.Sprintf("%s round %d, micro-batches of %d", c.name, round, per), s.Forward(x, false), whole)
			}
			for _, per := range []int{1, 3} { // one thread a micro-batch (graph_micro_shards.go)
				runtime.GOMAXPROCS(2)
				shardMicroBatchBytes = 4 * s.arena.perSample * per
				if w, mb := inferShards(7, s.arena.perSample, 0, shardMicroBatchBytes); w != 2 || mb != per {
					t.Fatalf("%s: %d threads, micro-batch %d; want 2, %d", c.name, w, mb, per)
				}
				what := fmt.Sprintf("%s round %d, 2 threads, micro-batches of %d", c.name, round, per)
				sameMicroBits(t, what, s.Forward(x, false), whole)
				if len(s.infer.reps) != 1 {
					t.Fatalf("%s: %d replicas, want 1", what, len(s.infer.reps))
				}
				runtime.GOMAXPROCS(1) // the replica alone, on the model's weights
				r := s.infer.reps[0]
				undo := fuseReluPool(r.Layers)
				sameMicroBits(t, what+": the replica alone", r.forward(x, false), whole)
				undo()
			}
		}
	}
}

func sameMicroBits(t *testing.T, what string, got, whole *tensor.Tensor) {
	t.Helper()
	if !got.Shape.Equal(whole.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, whole.Shape)
	}
	for i, v := range got.Data {
		if math.Float32bits(v) != math.Float32bits(whole.Data[i]) {
			t.Fatalf("%s: output[%d] = %g, want %g (one pass)", what, i, v, whole.Data[i])
		}
	}
}

// TestInferShardsBound: the threads of a data-parallel inference are
// bounded by the batch, by the replicas' memory (two always run) and by
// GOMAXPROCS, and its micro-batches by the bytes asked for.
func TestInferShardsBound(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(16))
	for _, c := range []struct{ n, perSample, params, bytes, workers, mb int }{
		{256, 1024, 1000, 64 << 10, 16, 16},      // 16 samples of 4 KiB: 16 micro-batches, one per thread
		{20, 1024, 1000, 1 << 20, 10, 2},         // ceil(20/16) samples a micro-batch: ten of them
		{3, 1024, 1000, 1 << 20, 3, 1},           // three samples: three threads
		{256, 1 << 20, 1000, 1 << 20, 16, 1},     // 4 MiB a sample: one at a time; 16 replicas of 16 MiB fit 256 MiB
		{256, 1 << 20, 100 << 20, 1 << 20, 2, 1}, // 800 MiB of weights and gradients a replica: two threads still
		{256, 1024, 4 << 20, 1 << 20, 8, 16},     // 32 MiB a replica plus its slabs: 1 + 7 replicas
		{1, 1024, 1000, 1 << 20, 1, 1},           // one sample: one thread
	} {
		w, mb := inferShards(c.n, c.perSample, c.params, c.bytes)
		if w != c.workers || (w > 1 && mb != c.mb) {
			t.Errorf("%+v: %d threads, micro-batch %d", c, w, mb)
		}
	}
	runtime.GOMAXPROCS(1)
	if w, _ := inferShards(256, 1024, 1000, 1<<20); w != 1 {
		t.Errorf("1 thread: %d workers", w)
	}
}

// TestTailCuts: micro-batches of mb samples cover the batch in order,
// then smaller ones, down to a quarter of mb.
func TestTailCuts(t *testing.T) {
	for _, c := range []struct {
		n, mb, workers int
		want           []int
	}{
		{256, 32, 2, []int{0, 32, 64, 96, 128, 160, 184, 202, 216, 226, 234, 242, 250, 256}},
		{7, 3, 2, []int{0, 2, 4, 5, 6, 7}},
		{7, 1, 2, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{5, 2, 4, []int{0, 1, 2, 3, 4, 5}},
	} {
		if got := tailCuts(nil, c.n, c.mb, c.workers); !slices.Equal(got, c.want) {
			t.Errorf("n %d, mb %d, %d threads: %v, want %v", c.n, c.mb, c.workers, got, c.want)
		}
	}
}
