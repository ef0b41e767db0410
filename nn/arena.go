package nn

import (
	"unsafe"

	"github.com/cnnscope/cnnscope/tensor"
)

// arena is two slabs a Sequential's layers take in turn for the tensors
// that live only from one layer to the next: in Backward the input
// gradients (a layer reads dy, the dx of the layer after it, and writes
// its own dx; once it returns, dy is dead), and in an inference Forward
// the outputs (once the next layer has read one, nothing needs it). So
// two slabs the size of the largest such tensor hold them all, instead
// of one buffer per layer; training and validation share them.
//
// A Graph's arena (graph set) holds only inference outputs, in as many
// slabs as tensors live at once: before each layer call the Graph picks
// a slab that holds no tensor still to be read (next), and frees a slab
// once the last reader of its tensor has run (graph_arena.go); in its
// Backward, the input gradients go to slabs of their own, reused once
// the gradient has been read (grads, graph_grads.go).
type arena struct {
	perSample int  // the largest input or output of one sample, in values
	inference bool // no Backward follows this Forward (inference, ForwardEach): outputs go here too
	graph     bool // a Graph's: outputs only, into slab next
	next      int
	slabs     [][]float32
	t         []*tensor.Tensor
	// scratch is working memory of one layer call that the model's
	// layers share (they run one at a time; each replica of a sharded
	// step or of inference has an arena of its own): the Winograd kernel
	// gradient's chunks of tiles (Conv2D.gradScratch), about 1 MiB each,
	// held once instead of by every such convolution.
	scratch []float32
	grads   gradSlabs // a Graph's Backward: the input gradients (graph_grads.go)
}

// arenaUser is a layer that writes its dx (and its inference outputs)
// into the model's arena when it has one.
type arenaUser interface{ setArena(a *arena) }

// inputGrad returns the (n, per...) tensor a layer writes dx into: in a
// Graph's Backward a free gradient slab (graph_grads.go); its own buffer
// *own when a is nil or a Graph's otherwise; else the Sequential arena's
// slab that does not hold dy.
func inputGrad(a *arena, own **tensor.Tensor, dy *tensor.Tensor, n int, per tensor.Shape) *tensor.Tensor {
	if a != nil && a.grads.on { // a Graph's Backward (graph_grads.go)
		return a.grads.take(n, per, n*a.perSample)
	}
	if a == nil || a.graph {
		*own = ensureBatch(*own, n, per)
		return *own
	}
	return a.take(dy.Data, n, per)
}

// output returns the (n, per...) tensor a layer's Forward writes into:
// an arena's slab in an inference Forward (of a Sequential: the one that
// does not hold x), its own buffer *own otherwise (training keeps the
// outputs for Backward).
func output(a *arena, own **tensor.Tensor, x *tensor.Tensor, n int, per tensor.Shape) *tensor.Tensor {
	if a == nil || !a.inference {
		*own = ensureBatch(*own, n, per)
		return *own
	}
	return a.take(x.Data, n, per)
}

// take returns a tensor (n, per...) in slab next of a Graph's arena, or
// in the slab of a Sequential's that does not hold busy.
func (a *arena) take(busy []float32, n int, per tensor.Shape) *tensor.Tensor {
	i := a.next
	if !a.graph {
		i = 0
		if len(a.slabs) > 0 && within(a.slabs[0], busy) {
			i = 1
		}
	}
	for len(a.slabs) <= i {
		a.slabs, a.t = append(a.slabs, nil), append(a.t, new(tensor.Tensor))
	}
	size := n * per.Size()
	if cap(a.slabs[i]) < size {
		a.slabs[i] = make([]float32, max(size, n*a.perSample))
	}
	t := a.t[i]
	t.Shape = append(append(t.Shape[:0], n), per...)
	t.Data = a.slabs[i][:size]
	return t
}

// scratchFor returns the shared scratch with n values (contents not
// kept from one call to the next).
func (a *arena) scratchFor(n int) []float32 {
	a.scratch = growSlice(a.scratch, n)
	return a.scratch
}

// holding returns the slab d starts in, or -1.
func (a *arena) holding(d []float32) int {
	for i, s := range a.slabs {
		if within(s, d) {
			return i
		}
	}
	return -1
}

// within reports whether d starts inside slab's storage.
func within(slab, d []float32) bool {
	if len(d) == 0 || cap(slab) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(slab)))
	p := uintptr(unsafe.Pointer(&d[0]))
	return p >= base && p < base+uintptr(cap(slab))*4
}

// share gives the arena to the layers that use one and sizes it for the
// largest of the shapes (per sample).
func (a *arena) share(layers []Layer, shapes ...tensor.Shape) {
	a.perSample = 0
	for _, s := range shapes {
		a.perSample = max(a.perSample, s.Size())
	}
	for _, l := range layers {
		if u, ok := l.(arenaUser); ok {
			u.setArena(a)
		}
	}
}
