package nn

import "github.com/cnnscope/cnnscope/tensor"

// shardModel is what a sharded training step needs of a model type (a
// Sequential, a Graph): copies built from its configs, linked to its
// weights, and its layers in call order.
type shardModel[M any] interface {
	Name() string
	replica() (M, error)
	linkReplica(r M, grads []*tensor.Tensor) []*tensor.Tensor
	layers() []Layer
}

// shardSet is a model's replicas and the buffers of a sharded step
// (sequential_shards.go, graph_shard.go).
type shardSet[M shardModel[M]] struct {
	reps   []M        // replica i runs shard i+1
	models []M        // the model, then the replicas (one per shard)
	layers [][]Layer  // layers[k]: shard k's layers in call order
	links  shardLinks // their BatchNormalizations and Dropouts (shard_links.go)
	ran    int        // shards of the last Gradients (tests)
	shardBufs
}

// ready readies the set for s shards of m: it builds the missing
// replicas, points every replica at m's current weights and trainable
// flags (a checkpoint load or a freeze between two steps is seen by the
// next one) and lists every shard's layers (shard_links.go links them for
// each step).
func (sh *shardSet[M]) ready(m M, s int) {
	for len(sh.reps) < s-1 {
		r, err := m.replica()
		if err != nil { // the model was built from the same configs
			panic("nn: replica of " + m.Name() + ": " + err.Error())
		}
		sh.reps = append(sh.reps, r)
		sh.grads = append(sh.grads, nil)
	}
	if len(sh.xs) < s {
		sh.xs = make([]tensor.Tensor, s)
		sh.dys = make([]tensor.Tensor, s)
		sh.outs = make([]*tensor.Tensor, s)
	}
	sh.models = append(append(sh.models[:0], m), sh.reps[:s-1]...)
	sh.params, sh.skip = shardParams(m.layers(), sh.params[:0], sh.skip[:0])
	for i, r := range sh.reps[:s-1] {
		sh.grads[i] = m.linkReplica(r, sh.grads[i][:0])
	}
	sh.layers = sh.layers[:0]
	for _, x := range sh.models {
		sh.layers = append(sh.layers, x.layers())
	}
}
