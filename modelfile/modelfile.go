// Package modelfile is a saved model: model.safetensors (the weights under
// Keras' names, with the model's description in its metadata) and
// model.json (the same description for people and other tools), written
// so that an interrupted save never loads as a mix, and read back with
// every problem named as the file and what is wrong with it.
package modelfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
)

// A saved model is two files in a folder:
//
//   - model.safetensors: every weight as F32, named "<layer>/<variable>"
//     as Keras names them (conv2d/kernel, conv2d/bias,
//     batch_normalization/moving_mean, dense_1/kernel, ...), in Keras'
//     layouts: Conv2D kernels (height, width, in_channels, filters),
//     Dense kernels (inputs, units); its metadata "model" holds the
//     model's description (what model.json holds).
//   - model.json: the architecture, class names, preprocessing, loss and
//     run id, for people and other tools: a copy of the description in
//     the weights file.
//
// The weights file is the commit: it is written (atomically) first and
// carries everything needed to load the model, so a save interrupted
// between the two files leaves a complete model, either the old one or
// the new one. Load reads the description from the weights file and
// refuses a model.json that says something else.
const (
	WeightsFile = "model.safetensors"
	ConfigFile  = "model.json"
	modelFormat = "cnnscope.model/v1" // a Sequential: layers in order
	// modelFormatGraph is a functional model: every layer names its inputs.
	modelFormatGraph = "cnnscope.model/v2"
	modelMetaKey     = "model"
)

// formatOf is the model.json format that describes m: version 1 for a
// Sequential (what older readers understand), version 2 for a graph.
func formatOf(spec nn.ModelSpec) string {
	if spec.Functional() {
		return modelFormatGraph
	}
	return modelFormat
}

// checkFormat refuses an unknown format, an unknown interpolation and a
// version-1 description of a graph.
func checkFormat(mf *File, path string) error {
	if mf.Format != modelFormat && mf.Format != modelFormatGraph {
		return fmt.Errorf("%s: format %q, want %q or %q", path, mf.Format, modelFormat, modelFormatGraph)
	}
	switch data.Interpolation(mf.Interpolation) {
	case "", data.Nearest, data.Bilinear, data.Bicubic:
	default:
		return fmt.Errorf("%s: interpolation %q, want nearest, bilinear or bicubic", path, mf.Interpolation)
	}
	if mf.Format == modelFormat && mf.Model.Functional() {
		return fmt.Errorf("%s: format %q is a sequential model, but its layers name inputs (a graph is %q)", path, modelFormat, modelFormatGraph)
	}
	return nil
}

// File is the content of model.json.
type File struct {
	Format        string          `json:"format"`
	Model         nn.ModelSpec    `json:"model"`
	Classes       []string        `json:"classes"`
	Preprocessing data.Preprocess `json:"preprocessing"`
	// Interpolation resizes new images to the input size (nearest or bilinear).
	Interpolation string `json:"interpolation,omitempty"`
	Loss          string `json:"loss"`
	// FromLogits says the model outputs logits (Keras' from_logits=True:
	// a linear last layer, the loss applies softmax or sigmoid); files
	// written before the field read as false.
	FromLogits bool   `json:"from_logits,omitempty"`
	Weights    string `json:"weights"`
	// RunID names the run that trained the model, Epoch the epochs it
	// had completed.
	RunID string `json:"run_id,omitempty"`
	Epoch int    `json:"epoch,omitempty"`
}

// NewLoss is the loss the model was trained with, from logits when it
// was; an unknown loss name is an error naming it.
func (mf *File) NewLoss() (nn.Loss, error) {
	return nn.NewLoss(mf.Loss, mf.FromLogits)
}

// Probabilities turns the model's output out into the probabilities it
// stands for (softmax or sigmoid when the model outputs logits, out itself
// otherwise), written into dst when a conversion is needed.
func (mf *File) Probabilities(out, dst *tensor.Tensor) *tensor.Tensor {
	if !mf.FromLogits {
		return out
	}
	l, err := mf.NewLoss()
	if err != nil { // an unknown loss name: softmax, as for the cross-entropies over classes
		l = &nn.SparseCategoricalCrossentropy{FromLogits: true}
	}
	return nn.OutputProbabilities(l, out, dst)
}

// Tensors lists m's weights under their file names ("<layer>/<variable>",
// as Keras names them), with prefix; checkpoints store them as "model/...".
func Tensors(m nn.Model, prefix string) []safetensors.Named {
	var ts []safetensors.Named
	for _, p := range m.Params() {
		ts = append(ts, safetensors.Named{Name: prefix + p.FullName(), Tensor: p.Value})
	}
	return ts
}

// Save writes model.safetensors and then model.json into dir, each
// atomically (SaveFile with no run id).
func Save(dir string, m nn.Model, classes []string, pp *data.Preprocess, loss, interpolation string) error {
	info := File{Classes: classes, Loss: loss, Interpolation: interpolation}
	if pp != nil {
		info.Preprocessing = *pp
	}
	return SaveFile(dir, m, info)
}

// SaveFile writes model.safetensors and then model.json into dir,
// each atomically. info gives the classes, preprocessing, loss,
// interpolation, run id and epoch; SaveFile fills in the rest.
func SaveFile(dir string, m nn.Model, info File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec := m.Spec()
	info.Format, info.Model, info.Weights = formatOf(spec), spec, WeightsFile
	desc, err := json.Marshal(info)
	if err != nil {
		return err
	}
	meta := map[string]string{"format": info.Format, "layout": "keras (NHWC; conv kernels HWIO; dense kernels in x out)",
		modelMetaKey: string(desc)}
	if info.RunID != "" {
		meta["run_id"] = info.RunID
	}
	if err := safetensors.WriteFileChecked(filepath.Join(dir, WeightsFile), Tensors(m, ""), meta); err != nil {
		return err
	}
	return writeModelJSON(dir, info)
}

// writeModelJSON writes model.json: the weights file's description, indented.
func writeModelJSON(dir string, info File) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ConfigFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}, 0o644)
}

// Load reads a model saved by Save from dir: the built model
// with its weights, and its description. Every error is an *InputError
// naming the file and what is wrong with it: a missing or damaged file, a
// model.json that does not describe the weights beside it, a weight that
// is NaN or ±Inf.
func Load(dir string) (nn.Model, *File, error) {
	m, mf, err := load(dir)
	if err != nil {
		return nil, nil, &InputError{Err: err}
	}
	return m, mf, nil
}

// InputError is a model file that cannot be used: missing, damaged, or
// not what its other half describes. The command line exits 2 on it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func load(dir string) (nn.Model, *File, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		hint := ""
		if strings.EqualFold(filepath.Ext(dir), ".onnx") {
			hint = "; an ONNX file becomes one with: cnnscope import " + dir
		}
		return nil, nil, fmt.Errorf("%s is a file, want a run directory or a folder with %s and %s%s", dir, ConfigFile, WeightsFile, hint)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	view, err := readModelJSON(cfgPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	name := WeightsFile
	if view != nil {
		name = view.Weights
	}
	if name == "" || filepath.Base(name) != name {
		return nil, nil, fmt.Errorf("%s: weights %q: want a file name in the same folder", cfgPath, name)
	}
	wPath := filepath.Join(dir, name)
	f, err := safetensors.ReadFile(wPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("load model: %w (want a run directory or a folder with %s and %s)", err, ConfigFile, WeightsFile)
	}
	if errors.Is(err, safetensors.ErrChecksum) {
		return nil, nil, fmt.Errorf("%w; its weights cannot be trusted: restore the folder from a backup or train again "+
			"(a run directory's checkpoints/best/ holds its best epoch's model)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	mf, descPath, err := modelDescription(f, view, wPath, cfgPath)
	if err != nil {
		return nil, nil, err
	}
	m, err := buildSaved(mf, descPath)
	if err != nil {
		return nil, nil, err
	}
	if err := LoadTensors(m, f, "", wPath); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(m, wPath); err != nil {
		return nil, nil, err
	}
	return m, mf, nil
}

// readModelJSON reads model.json (the error wraps fs.ErrNotExist when
// there is none).
func readModelJSON(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var mf File
	if err := json.Unmarshal(b, &mf); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := checkFormat(&mf, path); err != nil {
		return nil, err
	}
	return &mf, nil
}

// modelDescription returns the model's description and the file it came
// from: the weights file's own (model.json must then say the same), or
// model.json for weights saved before the description moved into them.
func modelDescription(f *safetensors.File, view *File, wPath, cfgPath string) (*File, string, error) {
	raw, ok := f.Metadata[modelMetaKey]
	if !ok {
		if view == nil {
			return nil, "", fmt.Errorf("load model: %s has no model description and there is no %s beside it", wPath, ConfigFile)
		}
		return view, cfgPath, nil
	}
	var mf File
	if err := json.Unmarshal([]byte(raw), &mf); err != nil || (mf.Format != modelFormat && mf.Format != modelFormatGraph) {
		return nil, "", fmt.Errorf("%s: metadata %q is not a cnnscope model description (%v)", wPath, modelMetaKey, err)
	}
	if err := checkFormat(&mf, wPath); err != nil {
		return nil, "", err
	}
	if view == nil {
		return &mf, wPath, nil
	}
	a, _ := json.Marshal(mf)
	b, _ := json.Marshal(view)
	if !bytes.Equal(a, b) {
		return nil, "", fmt.Errorf("%s does not describe %s (%s; a save was interrupted or one file was replaced): "+
			"the weights file holds its own description, delete %s to load it", cfgPath, wPath, describeDiff(view, &mf), cfgPath)
	}
	return &mf, wPath, nil
}

// describeDiff names the first difference between model.json and the
// weights file's description.
func describeDiff(view, own *File) string {
	switch {
	case view.RunID != own.RunID:
		return fmt.Sprintf("model.json is from run %q, the weights from run %q", view.RunID, own.RunID)
	case view.Epoch != own.Epoch:
		return fmt.Sprintf("model.json is from epoch %d, the weights from epoch %d", view.Epoch, own.Epoch)
	default:
		return "their architecture, classes, preprocessing or loss differ"
	}
}

// buildSaved builds the described model and checks its classes and
// preprocessing.
func buildSaved(mf *File, path string) (nn.Model, error) {
	m, err := mf.Model.Model()
	if err != nil {
		return nil, fmt.Errorf("%s: model: %w", path, err)
	}
	if e, err := m.EstimateMemory(1, -1); err == nil {
		if err := e.Fits(); err != nil {
			return nil, fmt.Errorf("%s: the model %w", path, err)
		}
	}
	if err := m.Build(0); err != nil {
		return nil, fmt.Errorf("%s: model: %w", path, err)
	}
	if n := m.Output(); n[len(n)-1] != len(mf.Classes) {
		return nil, fmt.Errorf("%s: %d classes for a model with %d outputs", path, len(mf.Classes), n[len(n)-1])
	}
	if in := m.InputShape(); len(in) == 0 {
		return nil, fmt.Errorf("%s: model: no input shape", path)
	} else if err := mf.Preprocessing.Check(in[len(in)-1]); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// checkFinite refuses weights holding NaN or ±Inf, naming the first
// such tensor.
func checkFinite(m nn.Model, path string) error {
	for _, p := range m.Params() {
		n := 0
		for _, v := range p.Value.Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				n++
			}
		}
		if n > 0 {
			return fmt.Errorf("%s: tensor %s holds %d NaN/Inf values of %d: the model is not usable (saved by a run that diverged?)",
				path, p.FullName(), n, len(p.Value.Data))
		}
	}
	return nil
}

// LoadTensors copies the tensors named prefix+"<layer>/<variable>" of f
// into m's params, checking that every one is there with its shape.
func LoadTensors(m nn.Model, f *safetensors.File, prefix, path string) error {
	for _, p := range m.Params() {
		name := prefix + p.FullName()
		t, err := f.Tensor(name)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !t.Shape.Equal(p.Value.Shape) {
			return fmt.Errorf("%s: tensor %s has shape %v, the model wants %v", path, name, t.Shape, p.Value.Shape)
		}
		copy(p.Value.Data, t.Data)
	}
	return nil
}
