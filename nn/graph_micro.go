package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/tensor"
)

// An inference Forward of a Graph or a Sequential on a large batch runs it in slices of
// the batch (micro-batches), each through every layer before the next:
// a layer's output then stays in the cache for the layers that read it,
// instead of one batch-sized tensor per layer streaming through memory,
// and the arena's slabs (the inference memory) shrink to a micro-batch.
// A sample's result does not depend on the samples beside it in an
// inference Forward (every product computes its rows from their own rows
// alone, see affine.gemmRows; BatchNormalization uses its moving
// statistics), so the outputs are the same bits as one pass. Training,
// ForwardEach (which may run BatchNormalization on batch statistics) and
// a Forward that collects activation statistics run the whole batch.
// A Sequential's two arena slabs, shared with training's input
// gradients, then need not grow to the inference batch either.

// sameWeighter is a layer that can skip checking its weights for changes
// (a cached transform of them) in the later micro-batches of one Forward.
type sameWeighter interface{ setSameWeights(on bool) }

// setSameWeights sets l's hint if l is a sameWeighter.
func setSameWeights(l Layer, on bool) {
	if s, ok := l.(sameWeighter); ok {
		s.setSameWeights(on)
	}
}

// microBatchBytes is the most bytes of the largest tensor of one layer
// call (per micro-batch) a Graph's inference Forward aims at: resnet-20
// at 32×32 takes 64 samples at a time, mobilenet-v2-small at 96×96 4.
// Measured on both at batch 256, one thread, CPU time per call
// alternating the sizes: 1 MiB and 2 MiB gained less than 4 MiB over the
// whole batch (again at 18:12 UTC on 2026-11-29, load 10-11: mobilenet
// 4 MiB 109-119 ms, 1 MiB 123-139; resnet-20 156-180, 193-214). A
// variable for the tests.
var microBatchBytes = 4 << 20

// seqMicroBatchBytes is microBatchBytes for a Sequential, per thread
// (seqMicroBatch): basic-cnn and vgg-small gain from smaller
// micro-batches (no residual branches keep older tensors alive). Batch
// 256, one thread, CPU ms per call, three runs alternated at load 10-12
// (medians of 60 and 10 calls): basic-cnn 1 MiB 11.3, 11.7, 12.2; 2 MiB
// 11.7, 12.4, 11.9; 4 MiB 12.5, 13.0, 12.5; vgg-small 32 px 1 MiB 70.2,
// 70.7; 2 MiB 74.7, 72.8; 4 MiB 95.9, 74.6. With relu in the pool
// (pool_relu.go), basic-cnn 1 MiB against 2 MiB, medians of 40 calls,
// load 13-14: 11.19 / 11.80, 10.28 / 11.03, 11.21 / 11.67, 10.39 / 11.12.
// Two threads keep 2 MiB, about 1 MiB each (their walls could not be
// measured on the shared host).
var seqMicroBatchBytes = 1 << 20

// seqMicroBatch is the number of samples of a Sequential's micro-batch:
// seqMicroBatchBytes for each thread.
func seqMicroBatch(perSample int) int {
	return microBatch(seqMicroBatchBytes*runtime.GOMAXPROCS(0), perSample)
}

// microBatch is the number of samples of a micro-batch of a model whose
// largest tensor holds perSample values per sample, aiming at bytes: at
// least one.
func microBatch(bytes, perSample int) int {
	return max(1, bytes/(4*max(1, perSample)))
}

// forwardMicro runs an inference Forward of x a micro-batch at a time and
// returns the outputs gathered in the Graph's own tensor, or nil when x
// is not larger than one micro-batch.
func (g *Graph) forwardMicro(x *tensor.Tensor) *tensor.Tensor {
	if g.stats.on {
		return nil
	}
	if y := g.forwardShards(x); y != nil { // one thread a micro-batch (graph_micro_shards.go)
		return y
	}
	defer g.sameWeights(false)
	return inMicroBatches(x, microBatch(microBatchBytes, g.arena.perSample), &g.whole, func(part *tensor.Tensor, first bool) *tensor.Tensor {
		g.sameWeights(!first) // the weights are those the first micro-batch folded
		return g.forward(part, func(Layer) bool { return false }, true)
	})
}

// inMicroBatches runs forward on x's micro-batches of mb samples in
// order and gathers the outputs in *whole (reused), or returns nil when x
// is not larger than one micro-batch.
func inMicroBatches(x *tensor.Tensor, mb int, whole **tensor.Tensor, forward func(part *tensor.Tensor, first bool) *tensor.Tensor) *tensor.Tensor {
	n := x.Shape[0]
	if n <= mb {
		return nil
	}
	per := len(x.Data) / n
	var out []float32
	part := &tensor.Tensor{Shape: x.Shape.Clone()}
	for lo := 0; lo < n; lo += mb {
		hi := min(n, lo+mb)
		part.Shape[0], part.Data = hi-lo, x.Data[lo*per:hi*per]
		y := forward(part, lo == 0)
		if out == nil {
			*whole = ensureBatch(*whole, n, y.Shape[1:])
			out = (*whole).Data
		}
		copy(out[lo*len(y.Data)/(hi-lo):], y.Data)
	}
	return *whole
}
