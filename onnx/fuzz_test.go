package onnx

import (
	"bytes"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// FuzzImport: any bytes are a model or an error, never a panic.
func FuzzImport(f *testing.F) {
	addImportSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := Import(b, ImportOptions{})
		if err == nil && im.Model == nil {
			t.Fatal("no model and no error")
		}
	})
}

// fuzzSeedModel is a small model through Conv, relu6, BatchNormalization,
// DepthwiseConv2D, MaxPooling2D, Flatten and Dense.
func fuzzSeedModel(t testing.TB) nn.Model {
	m := nn.NewSequential(tensor.Shape{6, 6, 2},
		&nn.Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu6"},
		&nn.BatchNormalization{}, &nn.DepthwiseConv2D{KernelSize: [2]int{3, 3}},
		&nn.MaxPooling2D{}, &nn.Flatten{}, &nn.Dense{Units: 2, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	return m
}

// addImportSeeds adds the small model, exported in both layouts.
func addImportSeeds(f *testing.F) {
	for _, layout := range []string{LayoutNHWC, LayoutNCHW} {
		var buf bytes.Buffer
		if err := Export(&buf, fuzzSeedModel(f), ExportOptions{Layout: layout, Opset: 11}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
}
