package nn

import "github.com/cnnscope/cnnscope/tensor"

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
	r.arena.grads.off = g.arena.grads.off
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
