package nn

import (
	"slices"

	"github.com/cnnscope/cnnscope/tensor"
)

// A Graph's inference Forward writes the outputs of the layers that use
// an arena into its arena's slabs, reused as soon as the last reader of
// a tensor has run: memory for the tensors alive at once (a residual
// block's shortcut and its branch), not one buffer per layer call.
// Training keeps every output for Backward, in the layers' own buffers.

// graphSlabs is the bookkeeping of an inference Forward.
type graphSlabs struct {
	lastUse []int // per node: the last node that reads its output (len(nodes) for the model's output)
	holder  []int // per node: the slab its output lies in, or -1
	refs    []int // per slab: the outputs lying in it that are still to be read
}

// planSlabs sets lastUse from the wiring and gives the arena to the layers.
func (g *Graph) planSlabs() {
	k := len(g.nodes)
	s := &g.slabs
	s.lastUse, s.holder = g.lastUses(), make([]int, k)
	layers := make([]Layer, k)
	for i, n := range g.nodes {
		layers[i] = n.layer
	}
	g.arena.graph = true
	g.arena.share(layers, append([]tensor.Shape{g.Input}, g.shapes...)...)
}

// lastUses returns, per node, the last node that reads its output
// (len(nodes) for the model's output).
func (g *Graph) lastUses() []int {
	last := make([]int, len(g.nodes))
	for i, n := range g.nodes {
		for _, r := range n.inputs {
			if r >= 0 {
				last[r] = i
			}
		}
	}
	last[g.outputRef()] = len(g.nodes)
	return last
}

// countSlabs is the number of slabs an inference Forward takes, from the
// plans (fps[i].arena: node i writes into a slab; a layer that returns a
// view of its input is counted as one that keeps its own buffer).
func (g *Graph) countSlabs(fps []footprint) int {
	lastUse, holder := g.lastUses(), make([]int, len(g.nodes))
	var refs []int
	for i, n := range g.nodes {
		holder[i] = -1
		if fps[i].arena {
			holder[i] = slices.Index(refs, 0)
			if holder[i] < 0 {
				holder[i], refs = len(refs), append(refs, 0)
			}
			refs[holder[i]]++
		}
		for k, r := range n.inputs {
			if r >= 0 && lastUse[r] == i && !slices.Contains(n.inputs[:k], r) && holder[r] >= 0 {
				refs[holder[r]]--
			}
		}
	}
	return len(refs)
}

// pickSlab points the arena at a slab that holds no tensor still to be
// read (a new one when all do). Called before each layer call.
func (g *Graph) pickSlab() {
	s := &g.slabs
	for i, r := range s.refs {
		if r == 0 {
			g.arena.next = i
			return
		}
	}
	g.arena.next = len(s.refs)
	s.refs = append(s.refs, 0)
}

// settle records the slab node i's output y lies in (a layer may write
// its own buffer, or return a view of its input) and frees the slabs of
// the inputs node i was the last to read.
func (g *Graph) settle(i int, y *tensor.Tensor) {
	s := &g.slabs
	h := g.arena.holding(y.Data)
	s.holder[i] = h
	if h >= 0 {
		s.refs[h]++
	}
	in := g.nodes[i].inputs
	for k, r := range in {
		if r < 0 || s.lastUse[r] != i || slices.Contains(in[:k], r) {
			continue
		}
		if h := s.holder[r]; h >= 0 {
			s.refs[h]--
		}
	}
}
