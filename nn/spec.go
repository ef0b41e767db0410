package nn

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// ModelSpec is a model as data: what model.json stores and what a YAML
// spec's model section decodes into. A spec whose layers name their
// inputs is a functional graph (Graph); otherwise it is a Sequential.
type ModelSpec struct {
	Name  string `json:"name,omitempty" yaml:"name,omitempty"`
	Input []int  `json:"input_shape" yaml:"input_shape"`
	// InputName names a functional model's input ("input_layer" by default).
	InputName string      `json:"input_name,omitempty" yaml:"input_name,omitempty"`
	Layers    []LayerSpec `json:"layers" yaml:"layers"`
}

// LayerSpec is one layer as data, with Keras' argument names. Only the
// fields that the layer's type takes (see LayerFields) may be set; every
// type takes type, name, inputs and trainable.
type LayerSpec struct {
	Type string `json:"type" yaml:"type"` // Keras class name (Conv2D) or snake case (conv2d)
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Inputs names the layers (or the input, "input_layer") whose outputs
	// this layer is called on: the functional form. Without it a layer
	// takes the previous layer's output.
	Inputs []string `json:"inputs,omitempty" yaml:"inputs,omitempty"`
	// Trainable false freezes the layer's weights (and runs a
	// BatchNormalization in inference mode), as in Keras.
	Trainable         *bool        `json:"trainable,omitempty" yaml:"trainable,omitempty"`
	Filters           int          `json:"filters,omitempty" yaml:"filters,omitempty"`
	Units             int          `json:"units,omitempty" yaml:"units,omitempty"`
	KernelSize        Pair         `json:"kernel_size,omitempty" yaml:"kernel_size,omitempty"`
	PoolSize          Pair         `json:"pool_size,omitempty" yaml:"pool_size,omitempty"`
	Strides           Pair         `json:"strides,omitempty" yaml:"strides,omitempty"`
	Padding           PaddingArg   `json:"padding,omitempty" yaml:"padding,omitempty"`
	DepthMultiplier   int          `json:"depth_multiplier,omitempty" yaml:"depth_multiplier,omitempty"`
	Activation        string       `json:"activation,omitempty" yaml:"activation,omitempty"`
	UseBias           *bool        `json:"use_bias,omitempty" yaml:"use_bias,omitempty"`
	KernelInitializer string       `json:"kernel_initializer,omitempty" yaml:"kernel_initializer,omitempty"`
	DepthwiseInit     string       `json:"depthwise_initializer,omitempty" yaml:"depthwise_initializer,omitempty"`
	PointwiseInit     string       `json:"pointwise_initializer,omitempty" yaml:"pointwise_initializer,omitempty"`
	BiasInitializer   string       `json:"bias_initializer,omitempty" yaml:"bias_initializer,omitempty"`
	Rate              float64      `json:"rate,omitempty" yaml:"rate,omitempty"`
	Momentum          float64      `json:"momentum,omitempty" yaml:"momentum,omitempty"`
	Epsilon           float64      `json:"epsilon,omitempty" yaml:"epsilon,omitempty"`
	Center            *bool        `json:"center,omitempty" yaml:"center,omitempty"`
	Scale             BoolOrNumber `json:"scale,omitzero" yaml:"scale,omitempty"`
	Offset            float64      `json:"offset,omitempty" yaml:"offset,omitempty"`
	Axis              int          `json:"axis,omitempty" yaml:"axis,omitempty"`
	TargetShape       []int        `json:"target_shape,omitempty" yaml:"target_shape,omitempty"`
	MaxValue          *float64     `json:"max_value,omitempty" yaml:"max_value,omitempty"`
	NegativeSlope     float64      `json:"negative_slope,omitempty" yaml:"negative_slope,omitempty"`
	Threshold         float64      `json:"threshold,omitempty" yaml:"threshold,omitempty"`
}

// commonFields are the spec fields every layer type takes.
var commonFields = map[string]bool{"type": true, "name": true, "inputs": true, "trainable": true}

// Pair is a 2-D size that, as in Keras, may be written as one number (3)
// or two ([3, 3]).
type Pair []int

func (p Pair) array() [2]int {
	switch len(p) {
	case 1:
		return [2]int{p[0], p[0]}
	case 2:
		return [2]int{p[0], p[1]}
	}
	return [2]int{}
}

func pairOf(a [2]int) Pair {
	if a == ([2]int{}) {
		return nil
	}
	return Pair{a[0], a[1]}
}

// UnmarshalJSON accepts 3 or [3, 3].
func (p *Pair) UnmarshalJSON(b []byte) error {
	return p.decode(func(v any) error { return json.Unmarshal(b, v) })
}

// UnmarshalYAML accepts 3 or [3, 3] (the decoder-function form, so this
// package needs no YAML dependency).
func (p *Pair) UnmarshalYAML(unmarshal func(any) error) error { return p.decode(unmarshal) }

func (p *Pair) decode(unmarshal func(any) error) error {
	var n int
	if err := unmarshal(&n); err == nil {
		*p = Pair{n, n}
	} else if err := unmarshal((*[]int)(p)); err != nil || len(*p) != 2 {
		return fmt.Errorf("want a positive integer or a list of two")
	}
	if (*p)[0] <= 0 || (*p)[1] <= 0 {
		return fmt.Errorf("want positive integers, got %v", []int(*p))
	}
	return nil
}

// Layer makes the layer the spec describes, checking that it sets only
// fields its type takes.
func (s LayerSpec) Layer() (Layer, error) {
	typ, ok := canonicalType(s.Type)
	if !ok {
		return nil, fmt.Errorf("unknown layer type %q (want one of %s)", s.Type, strings.Join(LayerTypes(), ", "))
	}
	k, _ := lookupKind(typ)
	allowed := map[string]bool{}
	for _, f := range k.fields {
		allowed[f] = true
	}
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		tag := strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]
		if !v.Field(i).IsZero() && !allowed[tag] && !commonFields[tag] {
			return nil, fmt.Errorf("%s does not take %q (it takes: %s)", typ, tag, strings.Join(k.fields, ", "))
		}
	}
	l, err := k.make(s)
	if err != nil {
		return nil, err
	}
	l.SetName(s.Name)
	if s.Trainable != nil && !*s.Trainable {
		SetTrainable(l, false)
	}
	if err := validateLayer(l); err != nil {
		return nil, err
	}
	return l, nil
}

// Functional reports whether the spec is a graph: some layer names its inputs.
func (ms ModelSpec) Functional() bool {
	for _, s := range ms.Layers {
		if len(s.Inputs) > 0 {
			return true
		}
	}
	return false
}

// Model makes the unbuilt model the spec describes: a functional Graph
// when some layer names its inputs, a Sequential otherwise.
func (ms ModelSpec) Model() (Model, error) {
	if ms.Functional() {
		return ms.Graph()
	}
	return ms.Sequential()
}

// Sequential makes an unbuilt Sequential from a spec whose layers name no inputs.
func (ms ModelSpec) Sequential() (*Sequential, error) {
	if len(ms.Input) == 0 {
		return nil, fmt.Errorf("input_shape is missing (e.g. [28, 28, 1])")
	}
	var layers []Layer
	for i, s := range ms.Layers {
		if len(s.Inputs) > 0 {
			return nil, fmt.Errorf("layers[%d] (%s): a sequential model's layers take no inputs", i, s.Name)
		}
		l, err := s.Layer()
		if err != nil {
			return nil, fmt.Errorf("layers[%d]: %w", i, err)
		}
		layers = append(layers, l)
	}
	m := NewSequential(tensor.Shape(ms.Input), layers...)
	m.ModelName = ms.Name
	return m, nil
}

// Spec describes m as data (after Build, every layer has its name).
func (m *Sequential) Spec() ModelSpec {
	ms := ModelSpec{Name: m.ModelName, Input: m.Input.Clone()}
	for _, l := range m.Layers {
		ms.Layers = append(ms.Layers, describeLayer(l))
	}
	return ms
}
