// Package testmodel saves small untrained models for the tests of the
// packages that load them (predict, the command line), so that each
// does not build its own copy.
package testmodel

import (
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// Classes are the tiny CNN's class names.
var Classes = []string{"a", "b", "c"}

// TinyCNN saves an untrained small CNN for 16x24 (height x width) gray
// images of three classes (Classes), rescaling by 1/255 and resizing
// with nearest, into a new temporary folder and returns it.
func TinyCNN(tb testing.TB) string {
	tb.Helper()
	m := nn.NewSequential(tensor.Shape{16, 24, 1},
		&nn.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Activation: "relu"}, &nn.MaxPooling2D{},
		&nn.Flatten{}, &nn.Dense{Units: 3, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	pp := data.Preprocess{Rescale: 1.0 / 255}
	if err := modelfile.Save(dir, m, Classes, &pp, "sparse_categorical_crossentropy", "nearest"); err != nil {
		tb.Fatal(err)
	}
	return dir
}
