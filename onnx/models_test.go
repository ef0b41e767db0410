package onnx

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// built builds m with seed and gives every BatchNormalization moving
// statistics away from their initial 0 and 1 (and gamma, beta away from
// 1 and 0), so that an export that ignored them would show.
func built(t *testing.T, m nn.Model, seed uint64) nn.Model {
	t.Helper()
	if err := m.Build(seed); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range m.Params() {
		if _, ok := p.Layer.(*nn.BatchNormalization); !ok {
			continue
		}
		for i := range p.Value.Data {
			switch p.Name {
			case "moving_variance", "gamma":
				p.Value.Data[i] = 0.5 + rng.Float32()
			default:
				p.Value.Data[i] = rng.Float32() - 0.5
			}
		}
	}
	return m
}

// allLayersGraph uses every layer and activation the exporter knows, in
// a squeeze-excite and two-branch functional model.
func allLayersGraph() nn.Model {
	g := nn.NewGraph(tensor.Shape{12, 12, 3})
	x := g.Call(&nn.Rescaling{Scale: 2, Offset: -1}, g.In())
	x = g.Call(&nn.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: "hard_swish"}, x)
	x = g.Call(&nn.BatchNormalization{}, x)
	x = g.Call(&nn.DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", DepthMultiplier: 2, Activation: "relu6"}, x)
	x = g.Call(&nn.SeparableConv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "gelu"}, x)
	se := g.Call(&nn.GlobalAveragePooling2D{}, x)
	se = g.Call(&nn.Dense{Units: 8, Activation: "hard_sigmoid"}, se)
	se = g.Call(&nn.Reshape{TargetShape: []int{1, 1, 8}}, se)
	x = g.Call(&nn.Multiply{}, x, se)
	a := g.Call(&nn.MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, x)
	b := g.Call(&nn.AveragePooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, x)
	x = g.Call(&nn.Concatenate{}, a, b)
	x = g.Call(&nn.ZeroPadding2D{Padding: [4]int{1, 0, 2, 1}}, x)
	y := g.Call(&nn.Conv2D{Filters: 16, KernelSize: [2]int{2, 2}, Activation: "silu"}, x)
	y = g.Call(&nn.Activation{Function: "softmax"}, y) // over channels, on an image
	z := g.Call(&nn.Conv2D{Filters: 16, KernelSize: [2]int{2, 2}, NoBias: true, Activation: "swish"}, x)
	x = g.Call(&nn.Add{}, y, z)
	h := g.Call(&nn.Concatenate{Axis: 1}, x, z) // along height
	h = g.Call(&nn.GlobalMaxPooling2D{}, h)
	h = g.Call(&nn.Dense{Units: 12, Activation: "elu"}, h)
	h = g.Call(&nn.BatchNormalization{}, h)
	h = g.Call(&nn.Dropout{Rate: 0.5}, h)
	g.Call(&nn.Dense{Units: 5, Activation: "softmax"}, h)
	return g
}

// reluCap is the ReLU layers' max_value in activationsModel.
var reluCap = 0.3

// activationsModel is a sequential chain through the remaining
// activations, a Dense on images, a Flatten and the ReLU layer's ONNX
// forms (Relu, Clip, LeakyRelu and the general one).
func activationsModel() nn.Model {
	return nn.NewSequential(tensor.Shape{6, 6, 2},
		&nn.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Activation: "tanh"},
		&nn.Activation{Function: "leaky_relu"},
		&nn.Dense{Units: 6, Activation: "selu"}, // on the last axis of an image
		&nn.Flatten{},
		&nn.Dense{Units: 10, Activation: "sigmoid"},
		&nn.Dense{Units: 10, Activation: "relu"},
		&nn.ReLU{MaxValue: &reluCap, NegativeSlope: 0.1, Threshold: 0.05},
		&nn.Dense{Units: 10},
		&nn.ReLU{},
		&nn.ReLU{MaxValue: &reluCap},
		&nn.ReLU{NegativeSlope: 0.2},
		&nn.ReLU{Threshold: 0.1},
		&nn.Dense{Units: 10, Activation: "hard_silu", NoBias: true},
		&nn.Dense{Units: 3, Activation: "softmax"},
	)
}
