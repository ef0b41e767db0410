package train_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"maps"
	"slices"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// The README's first library snippet (TestREADMESnippets keeps them equal).
func ExampleCompile() {
	images := data.Random(256, 28, 28, 1, 10, 1) // or data.LoadBuiltin("mnist", "train"), data.LoadFolder(dir, ...)
	m := train.Compile(nn.BasicCNN(tensor.Shape{28, 28, 1}, 10), train.CompileOptions{})
	hist, err := m.Fit(context.Background(), images, train.FitOptions{Epochs: 2, ValidationSplit: 0.25})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(hist.Epochs), "epochs, logs:", slices.Sorted(maps.Keys(hist.Last())))
	// Output: 2 epochs, logs: [accuracy epoch loss lr val_accuracy val_loss]
}

// The README's second library snippet.
func ExampleModel_Evaluate() {
	images, test := data.Random(96, 32, 32, 3, 4, 1), data.Random(32, 32, 32, 3, 4, 2)
	m := train.Compile(nn.BasicCNN(tensor.Shape{32, 32, 3}, 4), train.CompileOptions{
		Optimizer: optim.NewSGD(optim.Config{LearningRate: 0.01}, 0.9, true),
		Loss:      &nn.SparseCategoricalCrossentropy{},
	})
	if err := m.Build(42); err != nil { // optional: Fit builds from FitOptions.Seed
		log.Fatal(err)
	}
	m.Summary(io.Discard) // or os.Stdout: the table Keras' model.summary() prints
	_, err := m.Fit(context.Background(), images, train.FitOptions{
		Epochs: 1, BatchSize: 16, Seed: 7, Preprocess: &data.Preprocess{Rescale: 1.0 / 255},
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := m.Evaluate(context.Background(), test)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Samples, "test images,", len(res.Confusion.Classes), "classes")
	// Output: 32 test images, 4 classes
}
