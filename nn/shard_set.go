package nn

import "github.com/cnnscope/cnnscope/tensor"

// shardModel is what a sharded training step needs of a model type (a
// Sequential, a Graph): copies built from its configs, linked to its
// weights, and its layers in call order.
type shardModel[M any] interface {
	Name() string
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	Backward(dout *tensor.Tensor)
	outputLayer() Layer
	timer() *layerClock
	replica() (M, error)
	linkReplica(r M, grads []*tensor.Tensor) []*tensor.Tensor
	layers() []Layer
	collector() *statsCollector
}

// shardSet is a model's replicas and the buffers of a sharded step
// (sequential_shards.go, graph_shard.go).
type shardSet[M shardModel[M]] struct {
	reps   []M        // replica i runs shard i+1
	models []M        // the model, then the replicas (one per shard)
	layers [][]Layer  // layers[k]: shard k's layers in call order
	links  shardLinks // their BatchNormalizations and Dropouts (shard_links.go)
	ran    int        // shards of the last Gradients (tests)
	// recheck has the model's Winograd layers check their kernel's bits
	// in the step as outside one (benchmarks' A/B of shareWinograd).
	recheck bool
	wino    shardWino // the Winograd transforms the shards share (shard_winograd.go)
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
		r.collector().on = m.collector().on
	}
	sh.layers = sh.layers[:0]
	for _, x := range sh.models {
		sh.layers = append(sh.layers, x.layers())
	}
}

// step is a training step (Gradients) cut into s shards of x: each
// shard's whole Forward, then its whole Backward, on a thread of its own
// (shardRunner), the loss once on the outputs gathered in batch order
// (the whole batch's mean, class and sample weights included), the
// replicas' gradients added into the model's in shard order and their
// per-layer work into its clock. dout is the model's loss-gradient
// buffer.
func (sh *shardSet[M]) step(m M, s int, x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32, dout **tensor.Tensor) (float64, *tensor.Tensor) {
	probeMark(0, nil, probeStep)
	sh.ready(m, s)
	n := x.Shape[0]
	models := sh.models
	for i := range s {
		rowsView(&sh.xs[i], x, n*i/s, n*(i+1)/s)
	}
	each, meet := shardRunner(sh.layers[0])
	sh.wino.list(sh.layers[0])
	if !meet || sh.wino.serial {
		sh.shareWinograd()
	}
	probeMark(0, nil, probeShareEnd)
	sh.links.link(sh.layers, n)
	defer unlinkShards(sh.layers)
	each(s, func(i int) {
		probeMark(i, nil, probeFwdStart)
		if meet && !sh.wino.serial {
			sh.shareWinogradIn(i)
		}
		sh.outs[i] = models[i].Forward(&sh.xs[i], true)
		probeMark(i, nil, probeFwdEnd)
	})
	sh.mergeStats(m.collector())
	probeMark(0, nil, probeLossStart)
	out := sh.gather(s, n)
	*dout = tensor.Ensure(*dout, out.Shape...)
	fused := false
	if a, ok := m.outputLayer().(activated); ok {
		fused = loss.fusesWith(a.activationName())
		for _, r := range models {
			r.outputLayer().(activated).setLogitsGrad(fused)
		}
	}
	v := loss.compute(out, t, w, *dout, perSample, fused)
	for i := range s {
		rowsView(&sh.dys[i], *dout, n*i/s, n*(i+1)/s)
	}
	each(s, func(i int) {
		probeMark(i, nil, probeBwdStart)
		models[i].Backward(&sh.dys[i])
		probeMark(i, nil, probeBwdEnd)
	})
	probeMark(0, nil, probeSumStart)
	sh.sumGrads(s)
	probeMark(0, nil, probeSumEnd)
	for _, r := range sh.reps[:s-1] {
		m.timer().addWork(r.timer())
	}
	sh.ran = s
	return v, out
}
