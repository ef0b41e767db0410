package nn

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// ModelSpec is a Sequential model as data: what model.json stores and
// what a YAML spec's model section decodes into.
type ModelSpec struct {
	Name   string      `json:"name,omitempty" yaml:"name,omitempty"`
	Input  []int       `json:"input_shape" yaml:"input_shape"`
	Layers []LayerSpec `json:"layers" yaml:"layers"`
}

// LayerSpec is one layer as data, with Keras' argument names. Only the
// fields that the layer's type takes may be set.
type LayerSpec struct {
	Type              string  `json:"type" yaml:"type"` // Keras class name (Conv2D) or snake case (conv2d)
	Name              string  `json:"name,omitempty" yaml:"name,omitempty"`
	Filters           int     `json:"filters,omitempty" yaml:"filters,omitempty"`
	Units             int     `json:"units,omitempty" yaml:"units,omitempty"`
	KernelSize        Pair    `json:"kernel_size,omitempty" yaml:"kernel_size,omitempty"`
	PoolSize          Pair    `json:"pool_size,omitempty" yaml:"pool_size,omitempty"`
	Strides           Pair    `json:"strides,omitempty" yaml:"strides,omitempty"`
	Padding           string  `json:"padding,omitempty" yaml:"padding,omitempty"`
	Activation        string  `json:"activation,omitempty" yaml:"activation,omitempty"`
	UseBias           *bool   `json:"use_bias,omitempty" yaml:"use_bias,omitempty"`
	KernelInitializer string  `json:"kernel_initializer,omitempty" yaml:"kernel_initializer,omitempty"`
	BiasInitializer   string  `json:"bias_initializer,omitempty" yaml:"bias_initializer,omitempty"`
	Rate              float64 `json:"rate,omitempty" yaml:"rate,omitempty"`
	Momentum          float64 `json:"momentum,omitempty" yaml:"momentum,omitempty"`
	Epsilon           float64 `json:"epsilon,omitempty" yaml:"epsilon,omitempty"`
	Center            *bool   `json:"center,omitempty" yaml:"center,omitempty"`
	Scale             *bool   `json:"scale,omitempty" yaml:"scale,omitempty"`
}

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
		return nil
	}
	var l []int
	if err := unmarshal(&l); err != nil || len(l) != 2 {
		return fmt.Errorf("want a number or a list of two numbers")
	}
	*p = Pair(l)
	return nil
}

// layerFields lists, per type, the spec fields (by JSON name) it accepts
// besides type and name.
var layerFields = map[string][]string{
	"Conv2D":                 {"filters", "kernel_size", "strides", "padding", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
	"Dense":                  {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
	"MaxPooling2D":           {"pool_size", "strides", "padding"},
	"AveragePooling2D":       {"pool_size", "strides", "padding"},
	"GlobalAveragePooling2D": {},
	"Flatten":                {},
	"Dropout":                {"rate"},
	"BatchNormalization":     {"momentum", "epsilon", "center", "scale"},
	"Activation":             {"activation"},
}

// LayerTypes lists the layer types a spec may name.
func LayerTypes() []string {
	var ts []string
	for t := range layerFields {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// canonicalType resolves "conv2d", "Conv2D" or "max_pooling2d" to the
// Keras class name.
func canonicalType(t string) (string, bool) {
	for name := range layerFields {
		if strings.EqualFold(t, name) || strings.EqualFold(t, kerasName(name)) {
			return name, true
		}
	}
	return "", false
}

// Layer makes the layer the spec describes, checking that it sets only
// fields its type takes.
func (s LayerSpec) Layer() (Layer, error) {
	typ, ok := canonicalType(s.Type)
	if !ok {
		return nil, fmt.Errorf("unknown layer type %q (want one of %s)", s.Type, strings.Join(LayerTypes(), ", "))
	}
	allowed := map[string]bool{"type": true, "name": true}
	for _, f := range layerFields[typ] {
		allowed[f] = true
	}
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		tag := strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]
		if !v.Field(i).IsZero() && !allowed[tag] {
			return nil, fmt.Errorf("%s does not take %q (it takes: %s)", typ, tag, strings.Join(layerFields[typ], ", "))
		}
	}
	noBias := s.UseBias != nil && !*s.UseBias
	var l Layer
	switch typ {
	case "Conv2D":
		if len(s.KernelSize) == 0 {
			return nil, fmt.Errorf("Conv2D needs kernel_size")
		}
		l = &Conv2D{Filters: s.Filters, KernelSize: s.KernelSize.array(), Strides: s.Strides.array(), Padding: s.Padding,
			NoBias: noBias, Activation: s.Activation, KernelInitializer: s.KernelInitializer, BiasInitializer: s.BiasInitializer}
	case "Dense":
		l = &Dense{Units: s.Units, NoBias: noBias, Activation: s.Activation, KernelInitializer: s.KernelInitializer, BiasInitializer: s.BiasInitializer}
	case "MaxPooling2D":
		l = &MaxPooling2D{PoolSize: s.PoolSize.array(), Strides: s.Strides.array(), Padding: s.Padding}
	case "AveragePooling2D":
		l = &AveragePooling2D{PoolSize: s.PoolSize.array(), Strides: s.Strides.array(), Padding: s.Padding}
	case "GlobalAveragePooling2D":
		l = &GlobalAveragePooling2D{}
	case "Flatten":
		l = &Flatten{}
	case "Dropout":
		l = &Dropout{Rate: s.Rate}
	case "BatchNormalization":
		l = &BatchNormalization{Momentum: s.Momentum, Epsilon: s.Epsilon,
			NoCenter: s.Center != nil && !*s.Center, NoScale: s.Scale != nil && !*s.Scale}
	case "Activation":
		l = &Activation{Function: s.Activation}
	}
	l.SetName(s.Name)
	return l, nil
}

// Model makes an unbuilt Sequential from the spec.
func (ms ModelSpec) Model() (*Sequential, error) {
	if len(ms.Input) == 0 {
		return nil, fmt.Errorf("input_shape is missing (e.g. [28, 28, 1])")
	}
	var layers []Layer
	for i, s := range ms.Layers {
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
	off := false
	for _, l := range m.Layers {
		s := LayerSpec{Type: l.Type(), Name: l.Name()}
		switch l := l.(type) {
		case *Conv2D:
			s.Filters, s.KernelSize, s.Strides, s.Padding = l.Filters, pairOf(l.KernelSize), pairOf(l.Strides), l.Padding
			s.Activation, s.KernelInitializer, s.BiasInitializer = l.Activation, l.KernelInitializer, l.BiasInitializer
			if l.NoBias {
				s.UseBias = &off
			}
		case *Dense:
			s.Units, s.Activation, s.KernelInitializer, s.BiasInitializer = l.Units, l.Activation, l.KernelInitializer, l.BiasInitializer
			if l.NoBias {
				s.UseBias = &off
			}
		case *MaxPooling2D:
			s.PoolSize, s.Strides, s.Padding = pairOf(l.PoolSize), pairOf(l.Strides), l.Padding
		case *AveragePooling2D:
			s.PoolSize, s.Strides, s.Padding = pairOf(l.PoolSize), pairOf(l.Strides), l.Padding
		case *Dropout:
			s.Rate = l.Rate
		case *BatchNormalization:
			s.Momentum, s.Epsilon = l.Momentum, l.Epsilon
			if l.NoCenter {
				s.Center = &off
			}
			if l.NoScale {
				s.Scale = &off
			}
		case *Activation:
			s.Activation = l.Function
		}
		ms.Layers = append(ms.Layers, s)
	}
	return ms
}
