package nn

import (
	"unsafe"

	"github.com/cnnscope/cnnscope/tensor"
)

// gradArena holds the input gradients (dx) of a Sequential's layers in
// two slabs taken in turn. In a Sequential, a layer's Backward reads dy
// (the dx of the layer after it) and writes its own dx; once it returns,
// that dy is dead. So two slabs the size of the largest dx hold them all,
// instead of one buffer per layer. Layers in a Graph (where a tensor may
// have several consumers) keep buffers of their own (a nil arena).
type gradArena struct {
	perSample int // the largest dx of one sample, in values
	slabs     [2][]float32
	t         [2]tensor.Tensor
}

// gradArenaUser is a layer whose Backward writes its dx into the model's
// arena when it has one (Conv2D, Dense, the pooling layers).
type gradArenaUser interface {
	setGradArena(a *gradArena)
	// dxValues is the layer's dx per sample, in values.
	dxValues() int
}

// inputGrad returns the (n, per...) tensor a layer writes dx into: its
// own buffer *own when a is nil, otherwise the arena's slab that does not
// hold dy.
func inputGrad(a *gradArena, own **tensor.Tensor, dy *tensor.Tensor, n int, per tensor.Shape) *tensor.Tensor {
	if a == nil {
		*own = ensureBatch(*own, n, per)
		return *own
	}
	i := 0
	if within(a.slabs[0], dy.Data) {
		i = 1
	}
	size := n * per.Size()
	if cap(a.slabs[i]) < size {
		a.slabs[i] = make([]float32, max(size, n*a.perSample))
	}
	t := &a.t[i]
	t.Shape = append(append(t.Shape[:0], n), per...)
	t.Data = a.slabs[i][:size]
	return t
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

// shareGrads gives the arena to the layers that use one and sizes it.
func (a *gradArena) shareGrads(layers []Layer) {
	a.perSample = 0
	for _, l := range layers {
		if u, ok := l.(gradArenaUser); ok {
			u.setGradArena(a)
			a.perSample = max(a.perSample, u.dxValues())
		}
	}
}
