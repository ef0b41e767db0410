// Package spec is the run's spec file: the YAML settings of a run (data,
// model, compile, fit), read strictly with the line and field of every
// problem, checked, filled with Keras' defaults and written back.
package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/infile"
	"github.com/cnnscope/cnnscope/nn"
)

// Spec is everything a run needs, as the YAML spec file holds it. Zero
// values mean the defaults (Defaults fills them in); the run directory
// keeps the fully resolved spec as spec.yaml.
type Spec struct {
	Seed    uint64  `yaml:"seed"`
	Data    Data    `yaml:"data"`
	Model   Model   `yaml:"model"`
	Compile Compile `yaml:"compile"`
	Fit     Fit     `yaml:"fit"`
}

// Data says where the images come from and how they are prepared.
type Data struct {
	// Source is "mnist", "fashion-mnist" or a folder with one sub-folder
	// per class (Keras' flow_from_directory layout).
	Source string `yaml:"source"`
	// Test is a folder of test images (same classes); built-in data sets
	// use their test split. Empty for a folder source: no test set.
	Test string `yaml:"test,omitempty"`
	// ValidationSplit is the stratified share of the training images held
	// out for validation (0.1 by default; 0 for none).
	ValidationSplit *float64 `yaml:"validation_split,omitempty"`
	// TargetSize is the (height, width) images are resized to (folders only;
	// default: the most common size, or the median one within 256x256 when
	// no size is shared by half the images).
	TargetSize    []int  `yaml:"target_size,omitempty,flow"`
	ColorMode     string `yaml:"color_mode,omitempty"`    // grayscale, rgb, rgba (default: detected)
	Interpolation string `yaml:"interpolation,omitempty"` // nearest (default), bilinear
	// Limit keeps Limit training images, drawn at random per class with
	// the run's seed (0: all); for quick experiments and CI.
	Limit  int  `yaml:"limit,omitempty"`
	Strict bool `yaml:"strict,omitempty"`
	// Preprocessing defaults to rescale 1/255.
	Preprocessing *data.Preprocess `yaml:"preprocessing,omitempty"`
	Augmentation  *data.Augment    `yaml:"augmentation,omitempty"`
	// ClassWeight is "none" (default), "balanced", or a map class -> weight.
	ClassWeight ClassWeight `yaml:"class_weight,omitempty"`
	// Sampling is "none" (default), "oversample" or "undersample".
	Sampling string `yaml:"sampling,omitempty"`
}

// ClassWeight is "balanced", "none" or an explicit map in a spec.
type ClassWeight struct {
	Mode string             // "", "none", "balanced" or "map"
	Map  map[string]float64 // when Mode is "map"
}

// UnmarshalYAML accepts a word or a map.
func (c *ClassWeight) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		switch s {
		case "", "none", "balanced":
			c.Mode = s
			return nil
		}
		return fmt.Errorf("class_weight %q: want balanced, none or a map of class name to weight", s)
	}
	var m map[string]float64
	if err := unmarshal(&m); err != nil {
		return fmt.Errorf("class_weight: want balanced, none or a map of class name to weight")
	}
	c.Mode, c.Map = "map", m
	return nil
}

// MarshalYAML writes the word or the map.
func (c ClassWeight) MarshalYAML() (any, error) {
	if c.Mode == "map" {
		return c.Map, nil
	}
	if c.Mode == "" {
		return "none", nil
	}
	return c.Mode, nil
}

// IsZero lets omitempty drop an unset class weight.
func (c ClassWeight) IsZero() bool { return c.Mode == "" }

// Model is a preset or a list of layers.
type Model struct {
	// Preset is a built-in architecture (see nn.PresetNames), e.g. basic-cnn.
	Preset string `yaml:"preset,omitempty"`
	// Layers, instead of a preset, with Keras' argument names. The input
	// shape and the class count come from the data.
	Layers []nn.LayerSpec `yaml:"layers,omitempty"`
	// From, Freeze and NewHead start from a pre-trained model instead
	// (see FineTune, and train/finetune.go).
	From    string `yaml:"from,omitempty"`
	Freeze  string `yaml:"freeze,omitempty"`
	NewHead bool   `yaml:"new_head,omitempty"`
}

// Compile is Keras' compile(): optimizer and loss.
type Compile struct {
	Optimizer    string  `yaml:"optimizer"`               // adam (default), sgd, adamw, rmsprop
	LearningRate float64 `yaml:"learning_rate,omitempty"` // 0: the optimizer's default
	Momentum     float64 `yaml:"momentum,omitempty"`      // sgd only
	Nesterov     bool    `yaml:"nesterov,omitempty"`      // sgd only
	ClipNorm     float64 `yaml:"clipnorm,omitempty"`
	ClipValue    float64 `yaml:"clipvalue,omitempty"`
	WeightDecay  float64 `yaml:"weight_decay,omitempty"`
	Loss         string  `yaml:"loss"` // sparse_categorical_crossentropy (default)
	// FromLogits is Keras' from_logits=True: the model's last layer is
	// linear and the cross-entropy applies softmax (sigmoid for
	// binary_crossentropy) itself. The model file records it, so that
	// evaluate computes the same loss and predict reports probabilities.
	FromLogits bool `yaml:"from_logits,omitempty"`
}

// NewLoss is the loss the spec compiles: compile.loss, taking logits when
// compile.from_logits is set.
func (cs Compile) NewLoss() (nn.Loss, error) {
	name := cs.Loss
	if name == "" {
		name = "sparse_categorical_crossentropy"
	}
	return nn.NewLoss(name, cs.FromLogits)
}

// Fit is Keras' fit() arguments and the callbacks to use.
type Fit struct {
	Epochs    int `yaml:"epochs"`     // 5 by default
	BatchSize int `yaml:"batch_size"` // 32 by default
	TopK      int `yaml:"top_k,omitempty"`
	// NoShuffle keeps the training order fixed (shuffling each epoch is the default).
	NoShuffle         bool               `yaml:"no_shuffle,omitempty"`
	EarlyStopping     *EarlyStopping     `yaml:"early_stopping,omitempty"`
	ReduceLROnPlateau *ReduceLROnPlateau `yaml:"reduce_lr_on_plateau,omitempty"`
	// MetricsEvery is the step interval of per-layer metrics in
	// metrics.jsonl (50 by default).
	MetricsEvery int `yaml:"metrics_every,omitempty"`
	// FineTune is a second stage that unfreezes layers with a lower rate.
	FineTune *FineTune `yaml:"fine_tune,omitempty"`
	// TensorBoard, when set, writes TensorBoard event files.
	TensorBoard *TensorBoard `yaml:"tensorboard,omitempty"`
}

// TensorBoard configures Keras' TensorBoard callback (train.TensorBoard).
type TensorBoard struct {
	// LogDir is the directory of the event files (relative to the
	// working directory).
	LogDir string `yaml:"log_dir"`
	// UpdateFreq is "epoch" (epoch scalars only), "batch" (every step)
	// or a number of steps; default: fit.metrics_every.
	UpdateFreq string `yaml:"update_freq,omitempty"`
	// HistogramFreq is the epochs between weight and gradient histograms
	// (0: none); default 1.
	HistogramFreq *int `yaml:"histogram_freq,omitempty"`
}

// UpdateSteps is UpdateFreq in steps: 0 for "epoch", 1 for "batch".
func (t *TensorBoard) UpdateSteps() int {
	switch t.UpdateFreq {
	case "epoch", "":
		return 0
	case "batch":
		return 1
	}
	n, _ := strconv.Atoi(t.UpdateFreq) // Validate checked it
	return n
}

// EarlyStopping configures the EarlyStopping callback.
type EarlyStopping struct {
	Monitor            string  `yaml:"monitor,omitempty"`
	MinDelta           float64 `yaml:"min_delta,omitempty"`
	Patience           int     `yaml:"patience,omitempty"`
	RestoreBestWeights bool    `yaml:"restore_best_weights,omitempty"`
	StartFromEpoch     int     `yaml:"start_from_epoch,omitempty"`
}

// ReduceLROnPlateau configures the ReduceLROnPlateau callback.
type ReduceLROnPlateau struct {
	Monitor  string  `yaml:"monitor,omitempty"`
	Factor   float64 `yaml:"factor,omitempty"`
	Patience int     `yaml:"patience,omitempty"`
	MinLR    float64 `yaml:"min_lr,omitempty"`
	Cooldown int     `yaml:"cooldown,omitempty"`
}

// Parse reads a YAML spec strictly: an unknown key or a value of the
// wrong type is an error naming the line and what was expected.
func Parse(name string, r io.Reader) (*Spec, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s: %s", name, oneLine(err))
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: the spec is empty", name)
	}
	if err := checkYAML(&root, reflect.TypeFor[Spec](), ""); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the spec is empty", name)
		}
		return nil, fmt.Errorf("%s: %s", name, oneLine(err))
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

// oneLine is a YAML error without its prefix, on one line.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", "; ")
}

// maxSpecBytes bounds a spec file (a spec is a few kilobytes).
const maxSpecBytes = 16 << 20

// Load reads and validates a spec file.
func Load(path string) (*Spec, error) {
	b, err := infile.ReadFile(path, maxSpecBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, bytes.NewReader(b))
}

// Marshal writes the spec as YAML.
func (s *Spec) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// Defaults fills every unset field with its default.
func (s *Spec) Defaults() {
	if s.Data.ValidationSplit == nil {
		v := 0.1
		s.Data.ValidationSplit = &v
	}
	if s.Data.Preprocessing == nil {
		s.Data.Preprocessing = &data.Preprocess{Rescale: 1.0 / 255}
	}
	if s.Data.ClassWeight.Mode == "" {
		s.Data.ClassWeight.Mode = "none"
	}
	if s.Data.Sampling == "" {
		s.Data.Sampling = "none"
	}
	if s.Model.Preset == "" && len(s.Model.Layers) == 0 && s.Model.From == "" {
		s.Model.Preset = "basic-cnn"
	}
	if s.Compile.Optimizer == "" {
		s.Compile.Optimizer = "adam"
	}
	if s.Compile.Loss == "" {
		s.Compile.Loss = "sparse_categorical_crossentropy"
	}
	if s.Fit.Epochs == 0 {
		s.Fit.Epochs = 5
	}
	if s.Fit.BatchSize == 0 {
		s.Fit.BatchSize = 32
	}
	if s.Fit.MetricsEvery == 0 {
		s.Fit.MetricsEvery = 50
	}
	if tb := s.Fit.TensorBoard; tb != nil {
		if tb.UpdateFreq == "" {
			tb.UpdateFreq = strconv.Itoa(s.Fit.MetricsEvery)
		}
		if tb.HistogramFreq == nil {
			one := 1
			tb.HistogramFreq = &one
		}
	}
}

// Validate checks every value a YAML type check cannot, naming the
// field and what it wants (zero values mean the defaults).
func (s *Spec) Validate() error {
	var c checker
	s.Data.validate(&c)
	s.Model.validate(&c)
	s.Compile.validate(&c)
	s.Fit.validate(&c)
	return c.err()
}
