package nn

import (
	"fmt"
	"io"

	"github.com/cnnscope/cnnscope/tensor"
)

// Model is what training, diagnosis, reports and model files need from a
// network: a Sequential chain or a functional Graph.
type Model interface {
	// Name is the model's name ("sequential", "functional" by default).
	Name() string
	// Build names the unnamed layers as Keras does, infers every shape
	// and initializes the weights from seed.
	Build(seed uint64) error
	// Built reports whether Build has run (and the wiring not changed since).
	Built() bool
	// InputShape is the per-sample input shape (without the batch).
	InputShape() tensor.Shape
	// Output is the per-sample shape of the model's output (after Build).
	Output() tensor.Shape
	// Nodes lists the layers in the order Forward runs them (a
	// topological order), each with the tensors it is called on and its
	// output shape (after Build).
	Nodes() []Node
	// Forward runs x (batch first); the result belongs to the model.
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	// Backward propagates dout = dLoss/doutput, leaving each layer's
	// parameter gradients in its Params. dout may be overwritten.
	Backward(dout *tensor.Tensor)
	// Gradients runs a training-mode forward pass, the loss against t with
	// per-sample weights w (nil = ones) and the backward pass; a final
	// softmax (or sigmoid) is fused with a matching cross-entropy. It
	// returns the loss and the output; perSample, when not nil, receives
	// each sample's unweighted loss.
	Gradients(x *tensor.Tensor, t Target, w []float32, loss Loss, perSample []float32) (float64, *tensor.Tensor)
	// Params lists every weight with its layer, in Nodes order.
	Params() []LayerParam
	// CountParams returns the number of trainable and non-trainable scalars.
	CountParams() (trainable, nonTrainable int)
	// Summary writes the table Keras 3's model.summary() prints.
	Summary(w io.Writer) error
	// Spec describes the model as data (model.json, YAML specs).
	Spec() ModelSpec
	// CollectStats turns per-layer activation statistics on or off for
	// the following Forward calls; Stats returns those of the last one,
	// one per node in Nodes order.
	CollectStats(on bool)
	Stats() []ActivationStats
	// ForwardFLOPs is one sample's forward multiply-adds ×2 through the
	// convolutions and dense layers.
	ForwardFLOPs() int
	// EstimateMemory estimates the memory of training (slots optimizer
	// values per trainable weight) or, with slots < 0, of inference at a
	// batch size, before anything is allocated.
	EstimateMemory(batch, slots int) (MemoryEstimate, error)
}

// Node is one layer call of a model: the layer, the names of the tensors
// it is called on (a layer's name, or the model input's, "input_layer")
// and its per-sample output shape.
type Node struct {
	Layer  Layer
	Inputs []string
	Output tensor.Shape
}

// DefaultInputName is Keras 3's name of a model's input layer.
const DefaultInputName = "input_layer"

var (
	_ Model = (*Sequential)(nil)
	_ Model = (*Graph)(nil)
)

// InputShape is the per-sample input shape.
func (m *Sequential) InputShape() tensor.Shape { return m.Input }

// Nodes lists the layers as a chain: each called on the previous one.
func (m *Sequential) Nodes() []Node {
	m.mustBeBuilt()
	nodes := make([]Node, len(m.Layers))
	prev := DefaultInputName
	for i, l := range m.Layers {
		nodes[i] = Node{Layer: l, Inputs: []string{prev}, Output: m.outputs[i]}
		prev = l.Name()
	}
	return nodes
}

// Layers lists a built model's layers in the order Forward runs them.
func Layers(m Model) []Layer {
	nodes := m.Nodes()
	ls := make([]Layer, len(nodes))
	for i, n := range nodes {
		ls[i] = n.Layer
	}
	return ls
}

// ForwardEach runs x through a built model with every layer in the mode
// training(layer) says (e.g. only BatchNormalization in training mode, to
// compare its batch and moving statistics). The result belongs to the
// model's output layer; no Backward may follow (as after an inference
// Forward, a Sequential's outputs go to its arena).
func ForwardEach(m Model, x *tensor.Tensor, training func(Layer) bool) *tensor.Tensor {
	switch m := m.(type) {
	case *Graph:
		return m.forward(x, training, true)
	case *Sequential:
		m.mustBeBuilt()
		m.arena.inference = true // no Backward follows: outputs go to the arena
		defer func() { m.arena.inference = false }()
		for _, l := range m.Layers {
			x = l.Forward(x, training(l))
		}
		return x
	}
	panic(fmt.Sprintf("nn: ForwardEach on a %T", m))
}
