package nn

import "runtime"

// A Graph's training step (Gradients) on more than one thread runs as
// data parallelism, as a Sequential's does (sequential_shards.go): the
// batch is cut into one shard per thread, and each thread runs its
// shard's whole Forward and then its whole Backward (kernels.RunShards:
// the kernels' own parallel regions run serially inside a shard), shard
// 0 on the model itself and shard i on replica i-1, a copy of the graph
// built from its configs that uses the model's weight tensors (its own
// activations, gradients and fused plans: the BatchNormalization hubs of
// the depthwise and pointwise convolutions, the Adds that apply a
// BatchNormalization, the masked skip gradients). Per-layer parallel
// regions (hundreds of sub-millisecond hand-offs a step for resnet-20)
// become two regions, the loss between them on the outputs gathered in
// batch order (the whole batch's mean, weights and all).
//
// BatchNormalization needs the whole batch's numbers: its shards meet at
// a barrier in each Forward (the batch statistics) and each Backward
// (Σdy, Σdy·xhat) and add their sums in shard order (batchnorm_sync.go).
// The weight gradients are each shard's own, added into the model's in
// shard order (gamma and beta are the whole batch's already).
//
// Results depend on the shard count, which depends only on the batch
// size and GOMAXPROCS, never on scheduling.

// minGraphShardSamples is the smallest shard of a Graph.
const minGraphShardSamples = 2

// shardCount is the number of shards a training step on a batch of n
// runs in: one per thread, each of at least minGraphShardSamples
// samples; 1 (the whole batch, per-layer parallel regions) when a layer
// cannot run on a shard (shardableLayer) or the weights are many
// (maxShardParams). A step that collects activation statistics runs in
// shards too, unfused (stats.go).
func (g *Graph) shardCount(n int) int {
	s := min(runtime.GOMAXPROCS(0), n/minGraphShardSamples)
	if s < 2 || g.noShard || !shardsFit(g.layers(), n, s) {
		return 1
	}
	return s
}

// shardableLayer reports whether l can run on a shard of the batch: a
// per-sample layer (perSampleLayer), a merge, padding or pooling layer, a
// depthwise convolution, a BatchNormalization (its shards share the
// whole batch's sums) or a Dropout (the whole batch's mask, drawn before
// the shards start, when every shard starts on a whole mask word:
// shardCount checks that).
func shardableLayer(l Layer) bool {
	switch l.(type) {
	case *BatchNormalization, *Dropout, *Add, *Multiply, *Concatenate, *ZeroPadding2D, *DepthwiseConv2D,
		*GlobalAveragePooling2D, *GlobalMaxPooling2D, *Rescaling, *Reshape, *SeparableConv2D:
		return true
	}
	return perSampleLayer(l)
}

// outputLayer is the layer of the output's call (shardModel).
func (g *Graph) outputLayer() Layer { return g.nodes[g.outputRef()].layer }

// timer is the Graph's per-call clock (shardModel).
func (g *Graph) timer() *layerClock { return &g.clock }
