package nn

import (
	"runtime"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// A training step of a Sequential whose layers treat every sample on its
// own (perSampleLayer), or need the whole batch's numbers that the shards
// share (BatchNormalization's sums, Dropout's mask: shard_links.go), runs
// on more than one thread as data parallelism: the batch is cut into one shard
// per thread (shardCount), and each thread runs its shard's whole
// Forward and Backward, shard 0 on the model itself and shard i on
// replica i-1, a copy of the model built from its config that uses the
// model's weight tensors (its own gradients and activations). A small
// model's layers are a few hundred microseconds each at batch 32, too
// short to split each of them over the threads without most of the time
// going to the hand-offs (basic-cnn: dozens of parallel regions a step);
// a shard's layers run one after another on one thread, its data in that
// core's caches (the kernels' own parallel regions find the other threads
// busy with their shards; a thread done with its shard helps with what
// is left of the others', unless BatchNormalization's shards must all
// run at once: kernels.RunShards). The loss is computed on the shards' outputs gathered in
// batch order, as for the whole batch; the replicas' gradients are then
// added into the model's in shard order.
//
// Results depend on the shard count (the weight gradients are summed
// over the shards' samples, then shard by shard), which depends only on
// the batch size and GOMAXPROCS, never on scheduling: each shard is one
// task, and every kernel gives the same bits whichever goroutine runs it.

// minShardSamples is the smallest shard: a batch is cut into at most
// batch/minShardSamples shards.
const minShardSamples = 8

// maxShardParams bounds the weights of a model that is sharded: each
// replica keeps a gradient of every weight (basic-cnn: 93k).
const maxShardParams = 4 << 20

// shardBufs are the buffers of a sharded step, a Sequential's or a
// Graph's (graph_shard.go).
type shardBufs struct {
	xs     []tensor.Tensor    // shard i's rows of x (a view)
	dys    []tensor.Tensor    // shard i's rows of the loss gradient (a view)
	outs   []*tensor.Tensor   // shard i's output (its last layer's)
	out    *tensor.Tensor     // the outputs gathered in batch order
	params []*Param           // the model's params, in Params order
	grads  [][]*tensor.Tensor // grads[i][j]: replica i's gradient of params[j]
	pieces [][3]int           // sumGrads' tasks: param index, first and end value
	skip   []bool             // per param: the replicas' gradient is not added (graph_shard.go)
}

// shardCount is the number of shards a training step on a batch of n
// runs in: one per thread, each of at least minShardSamples samples; 1
// (no sharding) when a layer cannot run on a shard (shardLayerOK: a
// BatchNormalization or Dropout can, through shard_links.go) or the
// weights are many (maxShardParams); a step that collects activation
// statistics runs in shards too (stats.go).
func (m *Sequential) shardCount(n int) int {
	s := min(runtime.GOMAXPROCS(0), n/minShardSamples)
	if s < 2 || m.noShard || !shardsFit(m.Layers, n, s) {
		return 1
	}
	return s
}

// perSampleLayer reports whether l's training Forward and Backward treat
// each sample apart from the others and keep no state across steps
// beyond its weights (so that a replica can run some of the samples).
func perSampleLayer(l Layer) bool {
	switch l.(type) {
	case *Conv2D, *Dense, *MaxPooling2D, *AveragePooling2D, *Flatten, *Activation, *ReLU:
		return true
	}
	return false
}

// outputLayer is the model's last layer (shardModel).
func (m *Sequential) outputLayer() Layer { return m.Layers[len(m.Layers)-1] }

// timer is the model's per-layer clock (shardModel).
func (m *Sequential) timer() *layerClock { return &m.clock }

// rowsView points v at rows [lo, hi) of x (batch first), reusing v's
// shape slice.
func rowsView(v *tensor.Tensor, x *tensor.Tensor, lo, hi int) {
	per := len(x.Data) / x.Shape[0]
	v.Shape = append(append(v.Shape[:0], hi-lo), x.Shape[1:]...)
	v.Data = x.Data[lo*per : hi*per]
}

// gather copies the s shards' outputs into one tensor of n rows.
func (sh *shardBufs) gather(s, n int) *tensor.Tensor {
	shape := append([]int{n}, sh.outs[0].Shape[1:]...)
	sh.out = tensor.Ensure(sh.out, shape...)
	off := 0
	for _, o := range sh.outs[:s] {
		off += copy(sh.out.Data[off:], o.Data)
	}
	return sh.out
}

// sumGrads adds the replicas' gradients into the model's, shard by
// shard, each weight cut into pieces of at most sumPiece values run as
// the tasks of one parallel region; not those of the params skip marks.
func (sh *shardBufs) sumGrads(s int) {
	sh.pieces = sh.pieces[:0]
	for j, p := range sh.params {
		if p.Trainable && p.Grad != nil && (len(sh.skip) == 0 || !sh.skip[j]) {
			for lo := 0; lo < p.Grad.Len(); lo += sumPiece {
				sh.pieces = append(sh.pieces, [3]int{j, lo, min(p.Grad.Len(), lo+sumPiece)})
			}
		}
	}
	kernels.ForEachTask(len(sh.pieces), func(t int, _ *kernels.TaskScratch) {
		j, lo, hi := sh.pieces[t][0], sh.pieces[t][1], sh.pieces[t][2]
		for i := range s - 1 {
			kernels.AddTo(sh.params[j].Grad.Data[lo:hi], sh.grads[i][j].Data[lo:hi])
		}
	})
}

// sumPiece is the most values of a weight one task of sumGrads sums.
const sumPiece = 16 << 10

// addWork adds o's samples and FLOPs into c and clears them in o; not
// o's times: the replicas' layers ran at the same time as the model's.
func (c *layerClock) addWork(o *layerClock) {
	if !c.on || !o.on {
		return
	}
	for i := range min(len(c.times), len(o.times)) {
		t, u := &c.times[i], &o.times[i]
		t.ForwardSamples += u.ForwardSamples
		t.BackwardSamples += u.BackwardSamples
		t.ForwardFLOP += u.ForwardFLOP
		t.BackwardFLOP += u.BackwardFLOP
		u.ForwardSamples, u.BackwardSamples, u.ForwardFLOP, u.BackwardFLOP = 0, 0, 0, 0
		u.Forward, u.Backward = 0, 0
	}
}
