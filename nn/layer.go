// Package nn holds the network: layers, activations, losses, initializers
// and the Sequential model.
//
// A layer is Keras-shaped: exported fields are its config (the zero value
// of each field means the Keras default), Build creates the weights for a
// given input shape, and Forward/Backward sit side by side in the same
// file. Shapes passed to Build exclude the batch dimension, as Keras'
// input_shape does; tensors passed to Forward carry it first (NHWC).
package nn

import (
	"math/rand/v2"

	"github.com/cnnscope/cnnscope/tensor"
)

// Layer is one step of a Sequential model.
//
// Forward's result and Backward's result belong to the layer and stay
// valid until its next call; Backward may overwrite dy. Backward must be
// called after Forward on the same batch, overwrites (does not accumulate)
// the gradients of Params, and returns dL/dx, or nil when needDx is false
// (the first layer has no use for it).
type Layer interface {
	// Type is the Keras class name, e.g. "Conv2D".
	Type() string
	// Name is the layer's unique name within its model, e.g. "conv2d_1".
	Name() string
	// SetName is called by the model when the layer has no name yet.
	SetName(name string)
	// Build checks the config against the per-sample input shape, creates
	// the weights with rng and returns the per-sample output shape.
	Build(in tensor.Shape, rng *rand.Rand) (tensor.Shape, error)
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	Backward(dy *tensor.Tensor, needDx bool) *tensor.Tensor
	// Params lists the layer's weights (trainable or not), in Keras order.
	Params() []*Param
}

// Param is one weight tensor and its gradient. Non-trainable params
// (BatchNormalization's moving statistics) have a nil Grad.
type Param struct {
	Name      string // Keras' variable name: "kernel", "bias", "gamma", "moving_mean", ...
	Value     *tensor.Tensor
	Grad      *tensor.Tensor
	Trainable bool
}

func newParam(name string, trainable bool, shape ...int) *Param {
	p := &Param{Name: name, Value: tensor.New(shape...), Trainable: trainable}
	if trainable {
		p.Grad = tensor.New(shape...)
	}
	return p
}

// named is embedded by every layer for its name and its trainable flag.
type named struct {
	LayerName    string
	notTrainable bool
}

func (n *named) Name() string        { return n.LayerName }
func (n *named) SetName(name string) { n.LayerName = name }
func (n *named) frozen() bool        { return n.notTrainable }
func (n *named) setFrozen(on bool)   { n.notTrainable = on }

// freezable is implemented by every layer through named.
type freezable interface {
	frozen() bool
	setFrozen(on bool)
}

// SetTrainable sets a layer's Keras trainable flag before the model is
// built. A layer that is not trainable keeps its weights fixed (they count
// as non-trainable), and a BatchNormalization that is not trainable runs
// in inference mode, as in Keras 3.
func SetTrainable(l Layer, on bool) {
	if f, ok := l.(freezable); ok {
		f.setFrozen(!on)
	}
}

// Trainable reports a layer's Keras trainable flag.
func Trainable(l Layer) bool {
	f, ok := l.(freezable)
	return !ok || !f.frozen()
}

// applyTrainable marks the params of a layer that is not trainable as
// non-trainable (the model calls it after the layer's Build).
func applyTrainable(l Layer) {
	if Trainable(l) {
		return
	}
	for _, p := range l.Params() {
		p.Trainable = false
	}
}

// activated is implemented by layers that end in an activation function,
// so the model can fuse softmax or sigmoid with the cross-entropy.
type activated interface {
	activationName() string
	// setLogitsGrad makes Backward take dL/dz (pre-activation) as its dy.
	setLogitsGrad(on bool)
}

// batchOf returns the batch size of x and checks that the remaining
// dimensions equal want; a mismatch is a programming error.
func batchOf(layer Layer, x *tensor.Tensor, want tensor.Shape) int {
	if len(x.Shape) != len(want)+1 || !x.Shape[1:].Equal(want) {
		panic("nn: " + layer.Name() + " (" + layer.Type() + ") expects input (batch, " +
			want.String()[1:] + ", got " + x.Shape.String())
	}
	return x.Shape[0]
}
