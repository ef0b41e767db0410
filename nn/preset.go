package nn

import (
	"fmt"
	"sort"

	"github.com/cnnscope/cnnscope/tensor"
)

// Presets maps a preset name to a constructor of an unbuilt model for an
// input shape and a class count.
var Presets = map[string]func(input tensor.Shape, classes int) *Sequential{
	"basic-cnn": BasicCNN,
}

// PresetNames lists the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewPreset returns the named preset, unbuilt.
func NewPreset(name string, input tensor.Shape, classes int) (*Sequential, error) {
	f, ok := Presets[name]
	if !ok {
		return nil, fmt.Errorf("unknown model %q (want one of %v)", name, PresetNames())
	}
	if classes < 2 {
		return nil, fmt.Errorf("model %s: need at least 2 classes, got %d", name, classes)
	}
	return f(input, classes), nil
}

// BasicCNN is the seed's build_basic_cnn(input_shape, num_classes):
// Conv2D(32,3x3,relu) MaxPool2 Conv2D(64,3x3,relu) MaxPool2
// Conv2D(64,3x3,relu) Flatten Dense(64,relu) Dense(classes,softmax).
// For (28, 28, 1) and 10 classes it has 93,322 parameters.
func BasicCNN(input tensor.Shape, classes int) *Sequential {
	return NewSequential(input,
		&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&MaxPooling2D{},
		&Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&MaxPooling2D{},
		&Conv2D{Filters: 64, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&Flatten{},
		&Dense{Units: 64, Activation: "relu"},
		&Dense{Units: classes, Activation: "softmax"},
	)
}
