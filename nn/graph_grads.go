package nn

import "github.com/cnnscope/cnnscope/tensor"

// A Graph's Backward writes the input gradients that layers take through
// inputGrad (Conv2D, Dense, the pooling layers) and the copies an Add
// makes for its second operand into the arena's gradient slabs, as a
// Sequential's Backward writes them into its two slabs: a gradient is
// dead once the layer that produced the tensor has read it (or once it
// has been added into another gradient of the same tensor), so the
// slabs of the gradients still to be read at once (a residual block's
// shortcut and its branch: resnet-20 takes three) hold them all, not one
// buffer per layer. The Graph counts the references to each slab: the
// pending gradients lying in it and the masked sources that still read
// it (batchnorm_add.go); a layer call takes a slab that none refers to
// and that it has not taken already. The gradients are the same bits as
// in buffers of the layers' own: the same operations on the same values.

// gradSlabs is a Graph's gradient slabs and their references.
type gradSlabs struct {
	on    bool // a Backward is running: inputGrad and Add take slabs
	off   bool // the layers' own buffers instead (A/B benchmarks only)
	slabs [][]float32
	t     []*tensor.Tensor
	refs  []int  // per slab: pending gradients and masked sources lying in it
	taken []bool // per slab: handed out to the layer call running
}

// begin starts a Backward: no slab holds a gradient yet.
func (s *gradSlabs) begin() {
	s.on = !s.off
	clear(s.refs)
	clear(s.taken)
}

// end ends a Backward.
func (s *gradSlabs) end() { s.on = false }

// take returns a tensor (n, per...) in a slab no gradient lies in and the
// running layer call has not taken; a new slab (of at least least
// values) when there is none.
func (s *gradSlabs) take(n int, per tensor.Shape, least int) *tensor.Tensor {
	i := 0
	for i < len(s.slabs) && (s.refs[i] > 0 || s.taken[i]) {
		i++
	}
	if i == len(s.slabs) {
		s.slabs, s.t = append(s.slabs, nil), append(s.t, new(tensor.Tensor))
		s.refs, s.taken = append(s.refs, 0), append(s.taken, false)
	}
	s.taken[i] = true
	size := n * per.Size()
	if cap(s.slabs[i]) < size {
		s.slabs[i] = make([]float32, max(size, least))
	}
	t := s.t[i]
	t.Shape = append(append(t.Shape[:0], n), per...)
	t.Data = s.slabs[i][:size]
	return t
}

// hold adds k references to the slab d lies in, if any.
func (s *gradSlabs) hold(d []float32, k int) {
	for i, sl := range s.slabs {
		if within(sl, d) {
			s.refs[i] += k
			return
		}
	}
}

// called ends a layer call that read dy: dy's reference goes (a gradient
// the call passed on, or dy itself given as its input's gradient, holds
// its own), and the slabs the call took are free unless given.
func (s *gradSlabs) called(dy []float32) {
	s.hold(dy, -1)
	clear(s.taken)
}

// holding reports whether t lies in one of the slabs.
func (s *gradSlabs) holding(t *tensor.Tensor) bool {
	if t == nil {
		return false
	}
	for _, sl := range s.slabs {
		if within(sl, t.Data) {
			return true
		}
	}
	return false
}
