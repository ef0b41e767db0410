package train

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/safetensors"
)

// A saved model is two files in a folder:
//
//   - model.safetensors: every weight as F32, named "<layer>/<variable>"
//     as Keras names them (conv2d/kernel, conv2d/bias,
//     batch_normalization/moving_mean, dense_1/kernel, ...), in Keras'
//     layouts: Conv2D kernels (height, width, in_channels, filters),
//     Dense kernels (inputs, units).
//   - model.json: the architecture, class names, preprocessing and loss.
const (
	ModelWeightsFile = "model.safetensors"
	ModelConfigFile  = "model.json"
	modelFormat      = "cnnscope.model/v1"
)

// ModelFile is the content of model.json.
type ModelFile struct {
	Format        string          `json:"format"`
	Model         nn.ModelSpec    `json:"model"`
	Classes       []string        `json:"classes"`
	Preprocessing data.Preprocess `json:"preprocessing"`
	// Interpolation resizes new images to the input size (nearest or bilinear).
	Interpolation string `json:"interpolation,omitempty"`
	Loss          string `json:"loss"`
	Weights       string `json:"weights"`
}

// modelTensors lists m's weights under their file names, with prefix.
func modelTensors(m *nn.Sequential, prefix string) []safetensors.Named {
	var ts []safetensors.Named
	for _, p := range m.Params() {
		ts = append(ts, safetensors.Named{Name: prefix + p.FullName(), Tensor: p.Value})
	}
	return ts
}

// SaveModel writes model.safetensors and model.json into dir, each
// atomically.
func SaveModel(dir string, m *nn.Sequential, classes []string, pp *data.Preprocess, loss, interpolation string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := map[string]string{"format": modelFormat, "layout": "keras (NHWC; conv kernels HWIO; dense kernels in x out)"}
	if err := safetensors.WriteFile(filepath.Join(dir, ModelWeightsFile), modelTensors(m, ""), meta); err != nil {
		return err
	}
	mf := ModelFile{Format: modelFormat, Model: m.Spec(), Classes: classes, Loss: loss, Weights: ModelWeightsFile, Interpolation: interpolation}
	if pp != nil {
		mf.Preprocessing = *pp
	}
	b, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ModelConfigFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}, 0o644)
}

// LoadModel reads a model saved by SaveModel from dir: the built model
// with its weights, and model.json.
func LoadModel(dir string) (*nn.Sequential, *ModelFile, error) {
	cfgPath := filepath.Join(dir, ModelConfigFile)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, nil, fmt.Errorf("load model: %w (want a run directory or a folder with %s and %s)", err, ModelConfigFile, ModelWeightsFile)
	}
	var mf ModelFile
	if err := json.Unmarshal(b, &mf); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", cfgPath, err)
	}
	if mf.Format != modelFormat {
		return nil, nil, fmt.Errorf("%s: format %q, want %q", cfgPath, mf.Format, modelFormat)
	}
	m, err := mf.Model.Model()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: model: %w", cfgPath, err)
	}
	if err := m.Build(0); err != nil {
		return nil, nil, fmt.Errorf("%s: model: %w", cfgPath, err)
	}
	if n := m.Output(); n[len(n)-1] != len(mf.Classes) {
		return nil, nil, fmt.Errorf("%s: %d classes for a model with %d outputs", cfgPath, len(mf.Classes), n[len(n)-1])
	}
	if err := mf.Preprocessing.Check(m.Input[len(m.Input)-1]); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	name := mf.Weights
	if name == "" || filepath.Base(name) != name {
		return nil, nil, fmt.Errorf("%s: weights %q: want a file name in the same folder", cfgPath, name)
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, nil, err
	}
	if err := loadTensors(m, f, "", filepath.Join(dir, name)); err != nil {
		return nil, nil, err
	}
	return m, &mf, nil
}

// loadTensors copies the tensors named prefix+"<layer>/<variable>" of f
// into m's params, checking that every one is there with its shape.
func loadTensors(m *nn.Sequential, f *safetensors.File, prefix, path string) error {
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
