package nn

import "github.com/cnnscope/cnnscope/tensor"

// shardsFor returns the Graph's shard set for s shards, building the
// missing replicas, and points every replica at the model's current
// weights and trainable flags (a checkpoint load or a freeze between two
// steps is seen by the next one) and every shard's BatchNormalizations
// layers listed (shard_links.go links them for each step).
func (g *Graph) shardsFor(s int) *graphShards {
	sh := &g.shards
	for len(sh.reps) < s-1 {
		r, err := g.replica()
		if err != nil { // the model was built from the same configs
			panic("nn: replica of " + g.Name() + ": " + err.Error())
		}
		sh.reps = append(sh.reps, r)
		sh.grads = append(sh.grads, nil)
	}
	if len(sh.xs) < s {
		sh.xs = make([]tensor.Tensor, s)
		sh.dys = make([]tensor.Tensor, s)
		sh.outs = make([]*tensor.Tensor, s)
	}
	sh.models = append(append(sh.models[:0], g), sh.reps[:s-1]...)
	sh.params, sh.skip = shardParams(g.layers(), sh.params[:0], sh.skip[:0])
	for i, r := range sh.reps[:s-1] {
		sh.grads[i] = g.linkReplica(r, sh.grads[i][:0])
	}
	sh.layers = sh.layers[:0]
	for _, m := range sh.models {
		sh.layers = append(sh.layers, m.layers())
	}
	return sh
}

// linkReplica makes r use the model's weight tensors, trainable flags
// and A/B switches (copyKnobs) and appends r's gradient of each of the
// model's params to grads.
func (g *Graph) linkReplica(r *Graph, grads []*tensor.Tensor) []*tensor.Tensor {
	ls, rs := g.layers(), r.layers()
	grads = linkLayers(ls, rs, grads)
	for i, l := range ls {
		copyKnobs(rs[i], l)
	}
	r.hubsOff = g.hubsOff
	if r.clock.on != g.clock.on {
		r.clock.reset(g.clock.on, rs)
	}
	return grads
}

// refreshShared transforms the kernel for a training step when the layer
// runs Winograd (Forward's transform and the input gradient's) and
// reports whether it does.
func (l *Conv2D) refreshShared() bool {
	if !l.useWinograd() {
		return false
	}
	l.wino.refresh(l.kernel.Value.Data, l.geom.C, l.Filters, false) // training runs F(2x2)
	l.wino.refreshFlip(l.geom.C, l.Filters)
	return true
}

// readWinograd has the layer read c's transformed kernels, read-only (no
// refresh rewrites them), in place of its own.
func (l *Conv2D) readWinograd(c *Conv2D) {
	rw := &l.wino
	rw.w, rw.u, rw.uFlip = c.wino.w, c.wino.u, c.wino.uFlip
	rw.uOK, rw.u4, rw.flipOK, rw.same = true, false, true, true
}
