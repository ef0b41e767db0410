package nn

import (
	"fmt"
	"sort"

	"github.com/cnnscope/cnnscope/tensor"
)

// Presets maps a preset name to a constructor of an unbuilt model for an
// input shape and a class count.
var Presets = map[string]func(input tensor.Shape, classes int) Model{
	"basic-cnn":          func(in tensor.Shape, c int) Model { return BasicCNN(in, c) },
	"vgg-small":          func(in tensor.Shape, c int) Model { return VGGSmall(in, c) },
	"resnet-20":          func(in tensor.Shape, c int) Model { return ResNet20(in, c) },
	"mobilenet-v2-small": func(in tensor.Shape, c int) Model { return MobileNetV2Small(in, c) },
}

// imagePresets need an (height, width, channels) input.
var imagePresets = map[string]bool{"resnet-20": true, "mobilenet-v2-small": true}

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
func NewPreset(name string, input tensor.Shape, classes int) (Model, error) {
	f, ok := Presets[name]
	if !ok {
		return nil, fmt.Errorf("unknown model %q (want one of %v)", name, PresetNames())
	}
	if classes < 2 {
		return nil, fmt.Errorf("model %s: need at least 2 classes, got %d", name, classes)
	}
	if imagePresets[name] && len(input) != 3 {
		return nil, fmt.Errorf("model %s: want an input of height, width and channels, got %v", name, input)
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

// VGGSmall is a stronger small network in the VGG style: two blocks of
// two 3x3 same-padded convolutions, each followed by BatchNormalization,
// then 2x2 max pooling and Dropout(0.25); then Dense(128, relu),
// Dropout(0.5) and the softmax classifier.
func VGGSmall(input tensor.Shape, classes int) *Sequential {
	conv := func(f int) Layer {
		return &Conv2D{Filters: f, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu", KernelInitializer: "he_uniform"}
	}
	return NewSequential(input,
		conv(32), &BatchNormalization{}, conv(32), &BatchNormalization{}, &MaxPooling2D{}, &Dropout{Rate: 0.25},
		conv(64), &BatchNormalization{}, conv(64), &BatchNormalization{}, &MaxPooling2D{}, &Dropout{Rate: 0.25},
		&Flatten{},
		&Dense{Units: 128, Activation: "relu", KernelInitializer: "he_uniform"},
		&Dropout{Rate: 0.5},
		&Dense{Units: classes, Activation: "softmax"},
	)
}
