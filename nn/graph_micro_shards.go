package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// On more than one thread, an inference Forward in micro-batches
// (graph_micro.go) runs as data parallelism: each thread runs whole
// micro-batches through the whole model, the model itself on one thread
// and a replica of it (built from its layers' configs, using its weight
// tensors) on each other, claiming the micro-batches one at a time in
// batch order (kernels.ForEachShard), and the layers' own parallel
// regions run serially inside. A layer call at inference lasts tens to
// hundreds of microseconds; splitting each over the threads made every
// call a hand-off with a wait for the slower thread, and a thread that
// lost its core to another process held the other one up at every
// layer. A micro-batch stays on its core, its tensors in that core's L2
// cache. Each sample's outputs depend on its own inputs only (the
// micro-batches already give one pass's bits, see graph_micro.go), and
// every replica runs the same code on the same weights, so the outputs
// are the same bits whichever thread ran which micro-batch, and as one
// pass's. BatchNormalization uses its moving statistics: nothing is
// shared between the threads but the weights, read only.

// shardMicroBatchBytes is the most bytes of the largest tensor of one
// layer call a thread's micro-batch aims at (microBatch) in a
// Sequential's data-parallel inference, and graphShardBytes a Graph's
// (its residual branches keep more tensors alive, but its 1×1
// convolutions gain from more rows per product). Measured at two threads
// on a loaded host (BenchmarkInferShards, batch 256, process CPU ms per
// call; scripts/BENCH.md, speedI): basic-cnn 1 MiB about equal to 2 MiB,
// 512 KiB 3-8% above; mobilenet-v2-small 2 MiB 1-9% under 1 MiB in six
// runs out of six, 4 MiB between; resnet-20 1 and 2 MiB equal. A
// variable for the tests.
var shardMicroBatchBytes = 1 << 20

// graphShardBytes is shardMicroBatchBytes for a Graph: twice it.
func graphShardBytes() int { return 2 * shardMicroBatchBytes }

// noInferShards turns data-parallel inference off, and noTailCuts the
// smaller last micro-batches (A/B benchmarks only).
var noInferShards, noTailCuts bool

// inferShards is the number of threads an inference Forward of n samples
// runs on as data parallelism, and the samples of each micro-batch
// (perSample: the largest tensor's values of one sample; params: the
// model's weights): one micro-batch per thread at least, each at most
// bytes for the largest tensor, and no more replicas than
// maxReplicaBytes holds; workers < 2 means no data parallelism.
func inferShards(n, perSample, params, bytes int) (workers, mb int) {
	workers = min(runtime.GOMAXPROCS(0), n)
	if workers < 2 || noInferShards {
		return 1, n
	}
	mb = min(microBatch(bytes, perSample), ceilDiv(n, workers))
	workers = min(workers, ceilDiv(n, mb), max(2, 1+maxReplicaBytes/replicaBytes(mb, perSample, params)))
	return workers, mb
}

// maxReplicaBytes bounds the memory of an inference Forward's replicas
// (which EstimateMemory does not count): two threads always run, more
// only while their replicas fit (many cores and a large model).
const maxReplicaBytes = 256 << 20

// replicaBytes is about what a replica of a model with params weights
// holds at inference: its own weights and their gradients from Build
// (the weights garbage once it reads the model's), its two arena slabs
// and as much again of its layers' scratch for micro-batches of mb.
func replicaBytes(mb, perSample, params int) int {
	return 4 * (2*params + 4*mb*perSample)
}

// paramCount is the number of weights of layers.
func paramCount(layers []Layer) int {
	n := 0
	for _, l := range layers {
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
	}
	return n
}

// inferReplicas is a model's replicas for data-parallel inference (not
// those of a sharded training step, which share Winograd transforms with
// the model) and the buffers of a call.
type inferReplicas[M any] struct {
	reps    []M
	models  []M             // the model, then the replicas: one per thread
	parts   []tensor.Tensor // each thread's micro-batch of x (a view)
	started []bool          // each thread has run a micro-batch in this call
	cuts    []int           // the micro-batches' bounds (tailCuts)
	grads   []*tensor.Tensor
}

// ready returns the set with models[0] = m and models[i] = replica i-1
// for i < workers, building the missing replicas with build and linking
// every replica to the model's current weights with link.
func (s *inferReplicas[M]) ready(m M, workers int, build func() (M, error), link func(r M)) []M {
	for len(s.reps) < workers-1 {
		r, err := build()
		if err != nil { // the model was built from the same configs
			panic("nn: inference replica: " + err.Error())
		}
		s.reps = append(s.reps, r)
	}
	s.models = append(append(s.models[:0], m), s.reps[:workers-1]...)
	for _, r := range s.reps[:workers-1] {
		link(r)
	}
	if len(s.parts) < workers {
		s.parts, s.started = make([]tensor.Tensor, workers), make([]bool, workers)
	}
	clear(s.started)
	return s.models
}

// inMicroShards runs forward(w, part, first) on x's micro-batches of at
// most mb samples (tailCuts) on up to workers threads, thread w on its
// own model (first: its first micro-batch of this call), and gathers the
// outputs (per sample of shape out) in *whole (reused).
func inMicroShards[M any](s *inferReplicas[M], x *tensor.Tensor, mb, workers int, out tensor.Shape, whole **tensor.Tensor, forward func(w int, part *tensor.Tensor, first bool) *tensor.Tensor) *tensor.Tensor {
	n := x.Shape[0]
	*whole = ensureBatch(*whole, n, out)
	dst, per, outPer := (*whole).Data, len(x.Data)/n, out.Size()
	s.cuts = tailCuts(s.cuts[:0], n, mb, workers)
	kernels.ForEachShard(workers, len(s.cuts)-1, func(w, t int) {
		lo, hi := s.cuts[t], s.cuts[t+1]
		part := &s.parts[w]
		part.Shape = append(append(part.Shape[:0], hi-lo), x.Shape[1:]...)
		part.Data = x.Data[lo*per : hi*per]
		y := forward(w, part, !s.started[w])
		s.started[w] = true
		copy(dst[lo*outPer:hi*outPer], y.Data)
	})
	return *whole
}

// tailCuts appends to cuts the bounds of the micro-batches of n samples,
// 0 first and n last: mb samples each, then, once the samples left would
// give each thread fewer than two, smaller ones (the samples left over
// twice the threads, down to a quarter of mb), so that a thread that
// finishes its last micro-batch waits for at most a small one of the
// other's (as guided scheduling). The bounds depend on n, mb and workers
// only; no sample's output depends on them.
func tailCuts(cuts []int, n, mb, workers int) []int {
	least := max(1, mb/4)
	if noTailCuts {
		least = mb
	}
	cuts = append(cuts, 0)
	for lo := 0; lo < n; {
		lo += min(n-lo, mb, max(least, ceilDiv(n-lo, 2*workers)))
		cuts = append(cuts, lo)
	}
	return cuts
}

// replicable reports whether every layer can be rebuilt from its config
// (a registered type).
func replicable(layers []Layer) bool {
	for _, l := range layers {
		if _, ok := lookupKind(l.Type()); !ok {
			return false
		}
	}
	return true
}

// copyKnobs gives a replica's layer r the unexported settings of the
// model's layer l that its config does not carry (tests' and
// benchmarks' A/B switches), so that both run the same code.
func copyKnobs(r, l Layer) {
	switch l := l.(type) {
	case *Conv2D:
		c := r.(*Conv2D)
		c.wino.mode, c.wino.f2only, c.legacy, c.tileBytes = l.wino.mode, l.wino.f2only, l.legacy, l.tileBytes
		c.w16.off = l.w16.off
	case *MaxPooling2D:
		p := r.(*MaxPooling2D)
		p.noFuse, p.noConv, p.noWino = l.noFuse, l.noConv, l.noWino
	case *BatchNormalization:
		b := r.(*BatchNormalization)
		b.noKeep, b.dz.off = l.noKeep, l.dz.off
	}
}

// forwardShards is forwardMicro's data-parallel inference (see above),
// or nil when it does not apply: one thread, a batch of one micro-batch,
// per-layer timing on, or a layer that cannot be replicated.
func (m *Sequential) forwardShards(x *tensor.Tensor) *tensor.Tensor {
	workers, mb := inferShards(x.Shape[0], m.arena.perSample, paramCount(m.Layers), shardMicroBatchBytes)
	if workers < 2 || m.noShard || m.clock.on || !replicable(m.Layers) {
		return nil
	}
	models := m.infer.ready(m, workers, m.replica, func(r *Sequential) {
		m.infer.grads = linkLayers(m.Layers, r.Layers, m.infer.grads[:0])
		for i, l := range m.Layers {
			copyKnobs(r.Layers[i], l)
		}
	})
	for _, r := range models[1:] {
		defer fuseReluPool(r.Layers)() // as Forward did for the model
	}
	defer func() {
		for _, r := range models {
			r.sameWeights(false)
		}
	}()
	return inMicroShards(&m.infer, x, mb, workers, m.Output(), &m.whole, func(w int, part *tensor.Tensor, first bool) *tensor.Tensor {
		r := models[w]
		r.sameWeights(!first)
		return r.forward(part, false)
	})
}

// sameWeights sets every layer's sameWeighter hint (graph_micro.go).
func (m *Sequential) sameWeights(on bool) {
	for _, l := range m.Layers {
		setSameWeights(l, on)
	}
}

// forwardShards is the Graph's (see Sequential.forwardShards).
func (g *Graph) forwardShards(x *tensor.Tensor) *tensor.Tensor {
	layers := g.layers()
	workers, mb := inferShards(x.Shape[0], g.arena.perSample, paramCount(layers), graphShardBytes())
	if workers < 2 || g.clock.on || !replicable(layers) {
		return nil
	}
	models := g.infer.ready(g, workers, g.replica, func(r *Graph) {
		rs := r.layers()
		g.infer.grads = linkLayers(layers, rs, g.infer.grads[:0])
		for i, n := range g.nodes {
			copyKnobs(rs[i], n.layer)
		}
		r.hubsOff = g.hubsOff
	})
	defer func() {
		for _, r := range models {
			r.sameWeights(false)
		}
	}()
	return inMicroShards(&g.infer, x, mb, workers, g.shapes[g.outputRef()], &g.whole, func(w int, part *tensor.Tensor, first bool) *tensor.Tensor {
		r := models[w]
		r.sameWeights(!first)
		return r.forward(part, func(Layer) bool { return false }, true)
	})
}

// sameWeights sets the hint of every layer and of the folds: on, the
// weights are those the Graph's last Forward folded and transformed.
func (g *Graph) sameWeights(on bool) {
	g.folds.keep = on
	for _, n := range g.nodes {
		setSameWeights(n.layer, on)
	}
}

// layers lists the Graph's layers in call order.
func (g *Graph) layers() []Layer {
	ls := make([]Layer, len(g.nodes))
	for i, n := range g.nodes {
		ls[i] = n.layer
	}
	return ls
}

// replica builds a copy of the Graph from its layers' configs: the same
// layer types, settings, names, wiring and trainable flags, its own
// weights and buffers.
func (g *Graph) replica() (*Graph, error) {
	r := &Graph{ModelName: g.ModelName, Input: g.Input.Clone(), InputName: g.InputName, output: g.output}
	for _, n := range g.nodes {
		c, err := describeLayer(n.layer).Layer()
		if err != nil {
			return nil, err
		}
		r.Call(c, n.inputs...)
	}
	if err := r.Build(0); err != nil {
		return nil, err
	}
	return r, nil
}
