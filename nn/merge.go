package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

// MultiInput is a layer called on several tensors: Keras' merge layers
// (Add, Multiply, Concatenate). Only a Graph calls it; its one-input
// Build refuses and its one-input Forward and Backward panic.
type MultiInput interface {
	Layer
	// BuildInputs checks the per-sample input shapes and returns the
	// per-sample output shape.
	BuildInputs(in []tensor.Shape) (tensor.Shape, error)
	ForwardInputs(xs []*tensor.Tensor, training bool) *tensor.Tensor
	// BackwardInputs returns dL/dx for every input, each in a buffer no
	// other result shares (one of them may be dy itself, which it may
	// overwrite). The results belong to the layer.
	BackwardInputs(dy *tensor.Tensor) []*tensor.Tensor
}

// merge holds what the elementwise merge layers share: the shapes, with
// Keras' broadcasting (an input axis of size 1 stretches to the output's),
// and the buffers.
type merge struct {
	in  []tensor.Shape
	out tensor.Shape
	// maps[i][o] is the element of input i (per sample) under output
	// element o; nil when input i has the output's shape.
	maps [][]int32
	xs   []*tensor.Tensor
	y    *tensor.Tensor
	dxs  []*tensor.Tensor
	// arena is where a Graph's inference outputs go (nil: y).
	arena *arena
}

func (m *merge) Params() []*Param  { return nil }
func (m *merge) setArena(a *arena) { m.arena = a }

func (m *merge) Build(tensor.Shape, *rand.Rand) (tensor.Shape, error) {
	return nil, fmt.Errorf("a merge layer takes a list of inputs (functional spec: inputs: [a, b])")
}

func (m *merge) Forward(*tensor.Tensor, bool) *tensor.Tensor {
	panic("nn: a merge layer is called with ForwardInputs")
}

func (m *merge) Backward(*tensor.Tensor, bool) *tensor.Tensor {
	panic("nn: a merge layer is called with BackwardInputs")
}

// buildBroadcast checks that the inputs (at least two, of one rank) agree
// on every axis or have size 1 there, and prepares the index maps.
func (m *merge) buildBroadcast(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("needs at least 2 inputs, got %d", len(in))
	}
	out := in[0].Clone()
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, fmt.Errorf("inputs of different ranks: %s and %s", FormatShape(in[0]), FormatShape(s))
		}
		for a, d := range s {
			switch {
			case out[a] == 1:
				out[a] = d
			case d != 1 && d != out[a]:
				return nil, fmt.Errorf("input shapes %s and %s do not match (nor broadcast) on axis %d", FormatShape(in[0]), FormatShape(s), a+1)
			}
		}
	}
	m.in, m.out = make([]tensor.Shape, len(in)), out
	m.maps = make([][]int32, len(in))
	for i, s := range in {
		m.in[i] = s.Clone()
		if !s.Equal(out) {
			m.maps[i] = broadcastMap(s, out)
		}
	}
	m.dxs = make([]*tensor.Tensor, len(in))
	return out.Clone(), nil
}

// broadcastMap lists, for every element of out (row-major), the element of
// a shape s that broadcasts to it.
func broadcastMap(s, out tensor.Shape) []int32 {
	idx := make([]int32, out.Size())
	coord := make([]int, len(out))
	for o := range idx {
		k, stride := 0, 1
		for a := len(out) - 1; a >= 0; a-- {
			if s[a] != 1 {
				k += coord[a] * stride
			}
			stride *= s[a]
		}
		idx[o] = int32(k)
		for a := len(out) - 1; a >= 0; a-- { // next coordinate
			if coord[a]++; coord[a] < out[a] {
				break
			}
			coord[a] = 0
		}
	}
	return idx
}

// plain reports that no input broadcasts.
func (m *merge) plain() bool {
	for _, mp := range m.maps {
		if mp != nil {
			return false
		}
	}
	return true
}

// value returns input i's element under output element o of sample b.
func (m *merge) value(i, b, o int) float32 {
	x := m.xs[i]
	if m.maps[i] == nil {
		return x.Data[b*m.out.Size()+o]
	}
	return x.Data[b*m.in[i].Size()+int(m.maps[i][o])]
}

// checkInputs records the inputs of a Forward and returns the batch size.
func (m *merge) checkInputs(l Layer, xs []*tensor.Tensor) int {
	if len(xs) != len(m.in) {
		panic(fmt.Sprintf("nn: %s built for %d inputs, called on %d", l.Name(), len(m.in), len(xs)))
	}
	n := batchOf(l, xs[0], m.in[0])
	for i, x := range xs[1:] {
		if batchOf(l, x, m.in[i+1]) != n {
			panic("nn: " + l.Name() + ": inputs with different batch sizes")
		}
	}
	m.xs = append(m.xs[:0], xs...)
	return n
}

// reduceInto writes into dx (input i's shape) the sum of g (output shape)
// over the positions that broadcast to each of its elements.
func (m *merge) reduceInto(i int, dx, g []float32, n int) {
	outSize, inSize := m.out.Size(), m.in[i].Size()
	clear(dx)
	for b := 0; b < n; b++ {
		gs, ds := g[b*outSize:(b+1)*outSize], dx[b*inSize:(b+1)*inSize]
		for o, k := range m.maps[i] {
			ds[k] += gs[o]
		}
	}
}
