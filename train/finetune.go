package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/infile"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/onnx"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// A fine-tune (model.from) starts from a pre-trained model: a cnnscope
// run directory or model folder (model.json + model.safetensors), or an
// ONNX file (imported as `cnnscope import` does). Its weights are
// loaded; its head is replaced when the data's classes are not the
// model's (or model.new_head says so); the layers up to model.freeze are
// frozen; and the data are prepared as the model was trained (its
// preprocessing, input size and colour mode), unless the spec says
// otherwise.
//
// The head is the classifier: walking back from the output through
// layers without weights (softmax Activation, Flatten, Reshape, pooling,
// Dropout), the first layer with weights. It must be a Dense (Keras'
// classifier) or a 1x1 Conv2D (the classifier of fully convolutional
// nets, followed by global pooling); a new head has the same settings
// with one unit (filter) per class of the data, and fresh weights drawn
// from the run's seed.

// Pretrained is a model to fine-tune, with what it says about its inputs.
type Pretrained struct {
	Path  string
	Model nn.Model
	// Classes are the model's class names (class_0, ... when the file
	// has none).
	Classes []string
	// Preprocess is the preprocessing it was trained with; nil when the
	// file does not say (an ONNX file without cnnscope's metadata).
	Preprocess    *data.Preprocess
	Interpolation string
	// FromLogits says the model outputs logits: trained with
	// compile.from_logits, or an ONNX classifier without a softmax at
	// the end (nn.OutputsLogits).
	FromLogits bool
}

// LoadPretrained reads model.from: a run directory or model folder, or an
// .onnx file. input (height, width, channels; nil: unknown) sizes an ONNX
// input whose dimensions the file leaves open. Errors name the path.
func LoadPretrained(path string, input tensor.Shape) (*Pretrained, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model.from: %w (want a run directory, a model folder or an .onnx file)", err)
	}
	if fi.IsDir() {
		m, mf, err := modelfile.Load(path)
		if err != nil {
			return nil, fmt.Errorf("model.from: %w", err)
		}
		pp := mf.Preprocessing
		return &Pretrained{Path: path, Model: m, Classes: mf.Classes, Preprocess: &pp, Interpolation: mf.Interpolation, FromLogits: mf.FromLogits}, nil
	}
	if !strings.EqualFold(filepath.Ext(path), ".onnx") {
		return nil, fmt.Errorf("model.from: %s: want a run directory, a model folder or an .onnx file", path)
	}
	b, err := infile.ReadFile(path, onnx.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("model.from: %w", err)
	}
	im, err := onnx.Import(b, onnx.ImportOptions{Input: input})
	if err != nil {
		if input == nil && strings.Contains(err.Error(), "open dimensions") {
			return nil, fmt.Errorf("model.from: %s leaves its input size open: set data.target_size and data.color_mode (--target-size, --color-mode)", path)
		}
		return nil, fmt.Errorf("model.from: %s: %w", path, err)
	}
	p := &Pretrained{Path: path, Model: im.Model, Classes: im.Classes, Preprocess: im.Preprocess,
		Interpolation: im.Metadata["cnnscope.interpolation"], FromLogits: nn.OutputsLogits(im.Model)}
	if out := im.Model.Output(); len(p.Classes) != out[len(out)-1] {
		p.Classes = nil
		for i := range out[len(out)-1] {
			p.Classes = append(p.Classes, fmt.Sprintf("class_%d", i))
		}
	}
	return p, nil
}

// FillData sets the data settings the spec leaves open to the model's:
// preprocessing, and for image folders the target size, colour mode and
// interpolation. It returns what it did, in words, for the run's output.
func (p *Pretrained) FillData(d *spec.Data) []string {
	var notes []string
	switch {
	case d.Preprocessing == nil && p.Preprocess != nil:
		pp := *p.Preprocess
		d.Preprocessing = &pp
		notes = append(notes, "preprocessing from the pre-trained model: "+DescribePreprocess(&pp))
	case d.Preprocessing == nil:
		notes = append(notes, "the pre-trained model does not say how it was preprocessed (no cnnscope metadata): "+
			"the default rescale 1/255 applies; set data.preprocessing (or --rescale) if it was trained otherwise")
	case p.Preprocess != nil && !samePreprocess(d.Preprocessing, p.Preprocess):
		notes = append(notes, fmt.Sprintf("data.preprocessing (%s) is not the pre-trained model's (%s): kept as given",
			DescribePreprocess(d.Preprocessing), DescribePreprocess(p.Preprocess)))
	}
	if slices.Contains(data.Builtins, d.Source) {
		return notes
	}
	in := p.Model.InputShape()
	if d.TargetSize == nil {
		d.TargetSize = []int{in[0], in[1]}
		notes = append(notes, fmt.Sprintf("target size from the pre-trained model: %dx%d", in[0], in[1]))
	}
	if d.ColorMode == "" {
		if mode := data.ColorModeOf(in[2]); mode != data.Auto {
			d.ColorMode = string(mode)
			notes = append(notes, "colour mode from the pre-trained model: "+d.ColorMode)
		}
	}
	if d.Interpolation == "" && p.Interpolation != "" {
		d.Interpolation = p.Interpolation
	}
	return notes
}

// DescribePreprocess says what p does to a pixel, in words.
func DescribePreprocess(p *data.Preprocess) string {
	var s []string
	if p.Rescale != 0 && p.Rescale != 1 {
		s = append(s, fmt.Sprintf("rescale %.6g", p.Rescale))
	}
	if p.SamplewiseCenter || p.SamplewiseStdNormalization {
		s = append(s, "per-image standardization")
	}
	if p.FeaturewiseCenter {
		s = append(s, fmt.Sprintf("mean %v", p.Mean))
	}
	if p.FeaturewiseStdNormalization {
		s = append(s, fmt.Sprintf("std %v", p.Std))
	}
	if len(s) == 0 {
		return "none (pixels 0..255)"
	}
	return strings.Join(s, ", ")
}

func samePreprocess(a, b *data.Preprocess) bool {
	return DescribePreprocess(a) == DescribePreprocess(b)
}

// ResolvePretrained loads model.from (nil without one) and fills the
// data settings the spec leaves open with the model's, and
// compile.from_logits when the model outputs logits (its head, kept or
// replaced by one with the same settings, is linear); call it before
// Defaults. It returns what it did, in words.
func ResolvePretrained(s *spec.Spec) (*Pretrained, []string, error) {
	if s.Model.From == "" {
		return nil, nil, nil
	}
	pre, err := LoadPretrained(s.Model.From, inputOf(s.Data))
	if err != nil {
		return nil, nil, err
	}
	notes := []string{fmt.Sprintf("starting from %s (%d layers, classes %s)", pre.Path, len(pre.Model.Nodes()), shortList(pre.Classes))}
	if pre.FromLogits && !s.Compile.FromLogits {
		s.Compile.FromLogits = true
		notes = append(notes, "compile.from_logits from the pre-trained model: it outputs logits (trained with from_logits)")
	}
	return pre, append(notes, pre.FillData(&s.Data)...), nil
}

// inputOf is the image shape the data settings fix (nil when they leave
// it open).
func inputOf(d spec.Data) tensor.Shape {
	channels := map[string]int{string(data.Grayscale): 1, string(data.RGB): 3, string(data.RGBA): 4}[d.ColorMode]
	if len(d.TargetSize) != 2 || channels == 0 {
		return nil
	}
	return tensor.Shape{d.TargetSize[0], d.TargetSize[1], channels}
}

// SetNewHead sets model.new_head when the data's classes are not the
// pre-trained model's, and says so ("" without a new head).
func SetNewHead(s *spec.Spec, pre *Pretrained, classes []string) string {
	switch {
	case pre == nil:
		return ""
	case s.Model.NewHead:
		return fmt.Sprintf("a new head for the data's %d classes (model.new_head)", len(classes))
	case !slices.Equal(pre.Classes, classes):
		s.Model.NewHead = true
		return fmt.Sprintf("a new head: the data's classes %s are not the model's %s", shortList(classes), shortList(pre.Classes))
	}
	return ""
}

// pretrained is ResolvePretrained for a run, keeping its notes.
func (r *runner) pretrained() (*Pretrained, error) {
	pre, notes, err := ResolvePretrained(r.spec)
	r.notes = append(r.notes, notes...)
	return pre, err
}

// newHeadFor is SetNewHead for a run, keeping its note.
func (r *runner) newHeadFor(pre *Pretrained, classes []string) {
	if note := SetNewHead(r.spec, pre, classes); note != "" {
		r.notes = append(r.notes, note)
	}
}

// noteFrozen says how much of a fine-tuned model trains.
func (r *runner) noteFrozen() {
	if r.spec.Model.From == "" {
		return
	}
	frozen, last := 0, ""
	for _, n := range r.m.Nodes() {
		if !nn.Trainable(n.Layer) {
			frozen, last = frozen+1, n.Layer.Name()
		}
	}
	tr, fixed := r.m.CountParams()
	if frozen > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%d layers frozen, up to %s (BatchNormalization among them runs in inference mode)", frozen, last))
	}
	r.notes = append(r.notes, fmt.Sprintf("%d of %d weights trainable", tr, tr+fixed))
}

// PretrainedPreprocess reads only what model.from says of its
// preprocessing (model.json, or an ONNX file's cnnscope metadata),
// without building the model; nil when it does not say.
func PretrainedPreprocess(path string) (*data.Preprocess, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if fi.IsDir() {
		b, err := os.ReadFile(filepath.Join(path, modelfile.ConfigFile))
		if err != nil {
			return nil, err
		}
		var mf modelfile.File
		if err := json.Unmarshal(b, &mf); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		return &mf.Preprocessing, nil
	}
	b, err := infile.ReadFile(path, onnx.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	pm, err := onnx.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	for _, kv := range pm.Metadata {
		if kv.Key == "cnnscope.preprocessing" {
			var pp data.Preprocess
			if err := json.Unmarshal([]byte(kv.Value), &pp); err != nil {
				return nil, fmt.Errorf("%s: metadata cnnscope.preprocessing: %v", path, err)
			}
			return &pp, nil
		}
	}
	return nil, nil
}
