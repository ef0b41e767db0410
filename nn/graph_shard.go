package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

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
// cannot run on a shard (shardableLayer), the weights are many
// (maxShardParams) or activation statistics are collected.
func (g *Graph) shardCount(n int) int {
	s := min(runtime.GOMAXPROCS(0), n/minGraphShardSamples)
	if s < 2 || g.stats.on || g.noShard || !shardsFit(g.layers(), n, s) {
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

// gradientsSharded is Gradients cut into s shards (see above).
func (g *Graph) gradientsSharded(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32, s int) (float64, *tensor.Tensor) {
	sh := &g.shards
	sh.ready(g, s)
	n := x.Shape[0]
	models := sh.models
	for i := range s {
		rowsView(&sh.xs[i], x, n*i/s, n*(i+1)/s)
	}
	g.shareWinograd(sh.reps[:s-1])
	sh.links.link(sh.layers, n)
	defer unlinkShards(sh.layers)
	kernels.RunShards(s, func(i int) {
		sh.outs[i] = models[i].Forward(&sh.xs[i], true)
	})
	out := sh.gather(s, n)
	g.dout = tensor.Ensure(g.dout, out.Shape...)
	fused := false
	if _, ok := g.nodes[g.outputRef()].layer.(activated); ok {
		fused = loss.fusesWith(g.nodes[g.outputRef()].layer.(activated).activationName())
		for _, m := range models {
			m.nodes[m.outputRef()].layer.(activated).setLogitsGrad(fused)
		}
	}
	v := loss.compute(out, t, w, g.dout, perSample, fused)
	for i := range s {
		rowsView(&sh.dys[i], g.dout, n*i/s, n*(i+1)/s)
	}
	kernels.RunShards(s, func(i int) {
		models[i].Backward(&sh.dys[i])
	})
	sh.sumGrads(s)
	for _, r := range sh.reps[:s-1] {
		g.clock.addWork(&r.clock)
	}
	sh.ran = s
	return v, out
}

// shareWinograd transforms the kernels of the model's Winograd Conv2Ds
// once before the shards start and has the replicas read them
// (sequential_replica.go's shareWinograd for a Graph).
func (g *Graph) shareWinograd(reps []*Graph) {
	for i, nd := range g.nodes {
		if c, ok := nd.layer.(*Conv2D); ok && c.refreshShared() {
			for _, r := range reps {
				r.nodes[i].layer.(*Conv2D).readWinograd(c)
			}
		}
	}
}
