package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/tensor"
)

// A training run holds more than one step's buffers of the layers
// (memory.go's footprints), and EstimateMemory counts what it holds at
// its peak (checked against the bytes a run allocates by
// TestEstimateBoundsWhatTrainingAllocates):
//
//   - the layers' buffers, unfused: a step that collects activation
//     statistics (the first step of every run, and each logged one) runs
//     every layer apart (graph_fuse.go); the buffers stay;
//   - the input gradients in slabs of the largest tensor: a Sequential's
//     arena's two, a Graph's gradient slabs (graph_grads.go), as many as
//     gradients can wait at once (gradSlabBound);
//   - on more than one thread, the batch in shards (graph_shard.go,
//     sequential_shards.go), statistics steps too (stats.go): the model
//     and a replica per other shard each hold their shard's buffers,
//     slabs and scratch, and each replica a gradient of every weight;
//   - an inference pass between the steps (validation, predictions): its
//     micro-batches' arena slabs, on each thread, and the inference
//     replicas' weight gradients, folded and transformed kernels
//     (graph_micro_shards.go).

// runPlan is how a model runs its layers, beyond their footprints.
type runPlan struct {
	gradSlabs  int  // slabs of the input gradients in Backward, each the largest tensor
	inferSlabs int  // slabs of an inference Forward's outputs
	shardable  bool // every layer can run on a shard of a training step
	minShard   int  // the smallest shard
	microBytes int  // an inference micro-batch's largest tensor, in bytes, on one of several threads
	soloBytes  int  // the same on one thread
}

// trainShards is the number of shards a training step of batch samples
// runs in (shardCount's rule before Build: threads, shard size, the
// weights of the replicas' gradients).
func (rp runPlan) trainShards(batch int, weights float64) int {
	s := min(runtime.GOMAXPROCS(0), batch/rp.minShard)
	if s < 2 || !rp.shardable || weights > maxShardParams {
		return 1
	}
	return s
}

// planShardable reports whether every layer can run on a shard of a
// step of batch samples cut into shards of at least minShard
// (shardLayerOK with the planned input shapes).
func planShardable(layers []Layer, in []tensor.Shape, batch, minShard int) bool {
	s := min(runtime.GOMAXPROCS(0), batch/minShard)
	for i, l := range layers {
		if _, ok := l.(*Dropout); ok && s > 1 && !dropShardable(in[i].Size(), batch, s) {
			return false
		}
		if !shardableLayer(l) {
			return false
		}
	}
	return true
}

// stepValues is what one copy of the model holds for a training step of
// n samples, in values: the input rows, the layers' buffers, the
// gradient slabs and the patch tiles.
func stepValues(fps []footprint, input tensor.Shape, n int, slabs int) float64 {
	per := values(input)
	largest := values(input)
	for _, fp := range fps {
		per += fp.buffers
		largest = max(largest, values(fp.out))
	}
	per += float64(slabs) * largest
	return float64(n)*per + tileValues(fps, n)
}

// tileValues is the layers' patch tiles for n samples (each bounded) and
// the scratch they share (the largest, once).
func tileValues(fps []footprint, n int) float64 {
	var tiles, shared float64
	for _, fp := range fps {
		if t := min(fp.tilePerSample*float64(n), fp.tileMax); fp.tileShared {
			shared = max(shared, t)
		} else {
			tiles += t
		}
	}
	return tiles + shared
}

// inferValues is what one copy of the model holds for an inference
// Forward of n samples, in values: the outputs of the layers that do not
// write into the arena, the arena's slabs and the patch tiles (their
// gradients' halves unused).
func inferValues(fps []footprint, input tensor.Shape, n int, slabs int) float64 {
	largest := values(input)
	var per float64
	for _, fp := range fps {
		largest = max(largest, values(fp.out))
		if !fp.arena {
			per += values(fp.out)
		}
	}
	per += float64(slabs) * largest
	return float64(n)*per + tileValues(fps, n)/2
}

// largestValues is the largest input or output of one sample.
func largestValues(input tensor.Shape, fps []footprint) float64 {
	largest := values(input)
	for _, fp := range fps {
		largest = max(largest, values(fp.out))
	}
	return largest
}

// estimate adds up the layers' footprints for a training run (slots >= 0)
// or an inference Forward (slots < 0) of batch samples, as rp runs them:
// an inference Forward in micro-batches on every thread (inferenceValues).
func estimate(input tensor.Shape, fps []footprint, batch, slots int, rp runPlan) MemoryEstimate {
	e := MemoryEstimate{Batch: batch}
	var trainable, fixed, copies float64
	for _, fp := range fps {
		trainable += fp.trainable
		fixed += fp.fixed
		copies += fp.copies
	}
	e.Weights = 4 * (trainable + fixed)
	e.KernelCopies = 4 * copies
	e.Gradients = 4 * trainable // Build makes them, for inference too
	if slots < 0 {
		e.Activations = 4 * inferenceValues(input, fps, batch, rp, trainable+fixed, copies)
		return e
	}
	e.OptimizerState = 4 * trainable * float64(slots)
	e.Shards = rp.trainShards(batch, trainable+fixed)
	e.Activations = 4 * stepValues(fps, input, batch, rp.gradSlabs)
	if s := e.Shards; s > 1 { // each shard's buffers (its rows of the batch's input once)
		shard := ceilDiv(batch, s)
		e.Activations = 4 * (float64(s)*(stepValues(fps, input, shard, rp.gradSlabs)-float64(shard)*values(input)) + float64(batch)*values(input))
		e.Replicas = float64(s-1) * 4 * trainable
	}
	e.Inference = 4 * inferenceValues(input, fps, EvalBatch(batch, int(values(input))), rp, trainable+fixed, copies)
	return e
}

// EvalBatch is training's evaluation batch (validation and test) for a
// training batch and images of sample values each: 256 images up to
// 64x64x3, fewer of larger ones, never fewer than the training batch, so
// that evaluation's activations (a batch through the model's largest
// layers) do not outgrow training's: vgg-small at 224x224x3 would need
// 3.3 GB at batch 256. train sizes its evaluation loaders with it, and
// the training estimate counts an inference pass of that many samples.
func EvalBatch(train, sample int) int {
	const most, evalBatchValues = 256, 256 * 64 * 64 * 3
	return max(train, min(most, evalBatchValues/max(sample, 1)))
}

// inferenceValues is an inference Forward's buffers for n samples, in
// values: its input batch and gathered outputs; on each thread a
// micro-batch's buffers (inferValues) and folded kernels (at most the
// weights); each other thread's replica's weight gradients from Build
// and its own transformed kernels.
func inferenceValues(input tensor.Shape, fps []footprint, n int, rp runPlan, weights, copies float64) float64 {
	fit := min(maxReplicaBytes/max(1, 8*weights), 1<<20) // replicas whose weights and gradients fit (inferShards)
	workers := min(runtime.GOMAXPROCS(0), n, max(2, 1+int(fit)))
	bytes := rp.microBytes
	if workers < 2 {
		workers, bytes = 1, rp.soloBytes
	}
	mb := min(microBatch(bytes, int(largestValues(input, fps))), ceilDiv(n, workers))
	v := float64(workers) * (inferValues(fps, input, mb, rp.inferSlabs) + weights)
	v += float64(workers-1) * (weights + copies)
	return v + float64(n)*(values(input)+values(fps[len(fps)-1].out))
}
