package spec

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
)

func TestParseFull(t *testing.T) {
	src := `seed: 3
data:
  source: fashion-mnist
  validation_split: 0.2
  preprocessing: {rescale: 0.00392156862745098, featurewise_center: true}
  augmentation:
    rotation_range: 15
    width_shift_range: 0.1
    zoom_range: 0.2
    brightness_range: [0.8, 1.2]
    horizontal_flip: true
    fill_mode: reflect
  class_weight: {"0": 1.0, "3": 2.5}
model:
  layers:
    - {type: Conv2D, filters: 8, kernel_size: 3, activation: relu}
    - {type: Flatten}
    - {type: Dense, units: 10, activation: softmax}
compile: {optimizer: sgd, learning_rate: 0.05, momentum: 0.9, loss: sparse_categorical_crossentropy}
fit: {epochs: 2, batch_size: 64, early_stopping: {patience: 2}}
`
	s, err := Parse("spec.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Data.Augmentation
	if a == nil || a.RotationRange != 15 || a.ZoomRange[0] != 0.8 || a.ZoomRange[1] != 1.2 || a.BrightnessRange[1] != 1.2 || !a.HorizontalFlip || a.FillMode != "reflect" {
		t.Errorf("augmentation %+v", a)
	}
	if !s.Data.Preprocessing.FeaturewiseCenter || s.Data.ClassWeight.Mode != "map" || s.Data.ClassWeight.Map["3"] != 2.5 {
		t.Errorf("data %+v", s.Data)
	}
	if len(s.Model.Layers) != 3 || s.Model.Layers[0].KernelSize[1] != 3 || s.Compile.Momentum != 0.9 || s.Fit.EarlyStopping.Patience != 2 {
		t.Errorf("model/compile/fit %+v %+v %+v", s.Model, s.Compile, s.Fit)
	}
	// The resolved spec round-trips through YAML.
	s.Defaults()
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("resolved", strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("resolved spec does not parse: %v\n%s", err, b)
	}
	b2, _ := s2.Marshal()
	if string(b) != string(b2) {
		t.Errorf("round trip changed the spec:\n%s\n---\n%s", b, b2)
	}
}

func TestParseErrorsNameLineAndForm(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"data:\n  sourse: mnist\n", `line 2: data.sourse: unknown key (did you mean "source"?`},
		{"fit:\n  epochs: ten\n", `line 2: fit.epochs: want an integer, got "ten"`},
		{"seed: 1.5\n", `line 1: seed: want a whole number >= 0, got "1.5"`},
		{"fit:\n  batch_size: 0\n", "line 2: fit.batch_size: 0, want a positive value"},
		{"data:\n  augmentation:\n    zoom_range: abc\n", `line 3: data.augmentation.zoom_range: want a number or [lo, hi], got "abc"`},
		{"model:\n  layers:\n    - {type: MaxPooling2D, pool_size: 0}\n", "line 3: model.layers[0].pool_size: want positive integers"},
		{"data:\n  validation_split: .nan\n", "data.validation_split: NaN"},
		{"compile:\n  clipnorm: -1\n", "compile.clipnorm: -1"},
		{"fit:\n  metrics_every: -5\n", "fit.metrics_every: -5"},
		{"fit:\n  top_k: -3\n", "fit.top_k: -3"},
		{"model:\n  layers:\n    - {type: Dense, units: 3, name: a}\n    - {type: Dense, units: 3, name: a}\n", "model.layers[1].name"},
		{"data:\n  class_weight: heavy\n", "want balanced, none or a map"},
		{"data:\n  augmentation:\n    zoom_range: [1, 2, 3]\n", "want a number or [lo, hi]"},
		{"model:\n  preset: resnet\n", "model.preset"},
		{"model:\n  layers:\n    - {type: Conv2D, units: 3}\n", "model.layers[0]: Conv2D does not take \"units\""},
		{"data:\n  validation_split: 2\n", "data.validation_split"},
		{"", "empty"},
		{"model:\n  layers: []\n", "line 2: model.layers: an empty list"},
		{"model:\n  layers:\n    - {type: DepthwiseConv2D, kernel_size: 3, depth_multiplier: 0}\n", "line 3: model.layers[0].depth_multiplier: 0, want a positive value"},
		{"model:\n  layers:\n    - {type: Flatten}\n    - {type: BatchNormalization, momentum: 0.0}\n", "line 4: model.layers[1].momentum: 0, want a positive value"},
		{"model:\n  layers:\n    - {type: BatchNormalization, epsilon: 0}\n", "line 3: model.layers[0].epsilon: 0, want a positive value"},
	} {
		_, err := Parse("s.yaml", strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "s.yaml") {
			t.Errorf("%q: error %v, want it to start with the file and mention %q", c.src, err, c.want)
		}
	}
}

// TestFromLogits: compile.from_logits reads as a bool, survives the
// resolved spec's round trip, gives a loss that takes logits, and is
// refused (naming the field, on one line) with a loss that is not a
// cross-entropy or a value that is not a bool.
func TestFromLogits(t *testing.T) {
	s, err := Parse("spec.yaml", strings.NewReader("compile:\n  loss: categorical_crossentropy\n  from_logits: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Compile.NewLoss()
	if err != nil || !nn.TakesLogits(l) || l.Name() != "categorical_crossentropy" {
		t.Fatalf("loss %v, %v: want categorical_crossentropy from logits", l, err)
	}
	s.Defaults()
	b, _ := s.Marshal()
	if !strings.Contains(string(b), "from_logits: true") {
		t.Errorf("resolved spec lacks from_logits:\n%s", b)
	}
	if s2, err := Parse("resolved", strings.NewReader(string(b))); err != nil || !s2.Compile.FromLogits {
		t.Errorf("round trip: %v, %+v", err, s2)
	}
	if l, _ := (Compile{}).NewLoss(); l.Name() != "sparse_categorical_crossentropy" || nn.TakesLogits(l) {
		t.Errorf("the default: %v", l)
	}
	for src, want := range map[string]string{
		"compile:\n  loss: mse\n  from_logits: true\n": "compile.from_logits: applies to a cross-entropy loss",
		"compile:\n  from_logits: yes please\n":        "line 2: compile.from_logits",
		"compile:\n  from_logits: [true]\n":            "line 2: compile.from_logits",
		"compile:\n  from_logit: true\n":               "from_logits",
	} {
		_, err := Parse("spec.yaml", strings.NewReader(src))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line with %q", src, err, want)
		}
	}
}
