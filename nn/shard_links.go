package nn

import "github.com/cnnscope/cnnscope/kernels"

// shardLinks ties the layers of a sharded training step's shards together
// where the whole batch's numbers are needed (a Graph's, graph_shard.go,
// or a Sequential's, sequential_shards.go): each BatchNormalization's
// sums meet at the shards' barrier (batchnorm_sync.go), and each Dropout
// applies its rows' words of the whole batch's mask (dropout_shard.go).
// layers[k][i] is shard k's layer i (shard 0: the model's).
type shardLinks struct {
	bar   *kernels.Barrier
	slots map[int]*bnShared // per BatchNormalization (layer index): the shards' sums
}

// link prepares a step of n samples in len(layers) shards: the
// BatchNormalizations' sync (the slots rebuilt when the shard count
// changed) and the Dropouts' masks (drawn by the model's layers now).
func (sl *shardLinks) link(layers [][]Layer, n int) {
	s := len(layers)
	if sl.bar == nil || sl.bar.Parties() != s {
		sl.bar = kernels.NewBarrier(s)
		sl.slots = map[int]*bnShared{}
	}
	for i, l := range layers[0] {
		switch l := l.(type) {
		case *BatchNormalization:
			slots := sl.slots[i]
			if slots == nil {
				slots = newBNShared(s, l.c)
				sl.slots[i] = slots
			}
			for k := range layers {
				layers[k][i].(*BatchNormalization).sync = &bnSync{bar: sl.bar, shard: k, slots: slots}
			}
		case *Dropout:
			if l.Rate <= 0 {
				continue
			}
			l.drawWhole(n)
			for k := range layers {
				layers[k][i].(*Dropout).shardFrom(l.whole, n*k/s*l.in.Size())
			}
		}
	}
}

// unlinkShards ends a sharded step: the model's BatchNormalizations and every
// shard's Dropouts run on their own again, and the model's Conv2Ds check
// their weights again (shareWinograd).
func unlinkShards(layers [][]Layer) {
	for i, l := range layers[0] {
		switch l.(type) {
		case *Conv2D:
			l.(*Conv2D).setSameWeights(false)
		case *BatchNormalization:
			l.(*BatchNormalization).sync = nil
		case *Dropout:
			for k := range layers {
				layers[k][i].(*Dropout).shardFrom(nil, 0)
			}
		}
	}
}

// shardParams appends the model's params (layers in order) to params,
// and to skip whether the replicas' gradients are left out of the sum:
// a BatchNormalization's (every shard has the whole batch's).
func shardParams(layers []Layer, params []*Param, skip []bool) ([]*Param, []bool) {
	for _, l := range layers {
		_, bn := l.(*BatchNormalization)
		for _, p := range l.Params() {
			params = append(params, p)
			skip = append(skip, bn)
		}
	}
	return params, skip
}

// shardLayerOK reports whether l can run in a shard of a step of n
// samples in s shards: shardableLayer, and a Dropout only where every
// shard starts on a whole mask word.
func shardLayerOK(l Layer, n, s int) bool {
	if d, ok := l.(*Dropout); ok && !dropShardable(d.in.Size(), n, s) {
		return false
	}
	return shardableLayer(l)
}

// shardsFit reports whether a training step on a batch of n can run in s
// shards: every layer can run on a shard (shardLayerOK) and the weights
// are few enough (maxShardParams) for the replicas' gradients.
func shardsFit(layers []Layer, n, s int) bool {
	params := 0
	for _, l := range layers {
		if !shardLayerOK(l, n, s) {
			return false
		}
		for _, p := range l.Params() {
			params += p.Value.Len()
		}
	}
	return params <= maxShardParams
}

// shardRunner is how a step runs its shards' work: all at once
// (kernels.RunShards) when a BatchNormalization's shards meet at a
// barrier (meet), else as tasks claimed by free threads
// (kernels.ForEachTask: a thread done with its shard takes what is left
// of the others').
func shardRunner(layers []Layer) (each func(s int, fn func(i int)), meet bool) {
	for _, l := range layers {
		if _, ok := l.(*BatchNormalization); ok {
			return kernels.RunShards, true
		}
	}
	return func(s int, fn func(i int)) {
		kernels.ForEachTask(s, func(i int, _ *kernels.TaskScratch) { fn(i) })
	}, false
}
