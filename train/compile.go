package train

import (
	"context"
	"fmt"
	"math"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// Model is a compiled model, as Keras' model.compile leaves it: the
// network with its optimizer and loss, ready to Fit on a dataset and to
// Evaluate. The embedded nn.Model (a Sequential or a functional Graph)
// gives Summary, Params, Forward, ...
type Model struct {
	nn.Model
	Optimizer optim.Optimizer
	Loss      nn.Loss
	TopK      int
	// Preprocess is the normalization the last Fit applied (featurewise
	// statistics fitted on its training split); Evaluate applies it too.
	Preprocess *data.Preprocess
}

// CompileOptions are Keras' compile arguments; every zero value is
// Keras' default.
type CompileOptions struct {
	Optimizer optim.Optimizer // nil: Adam with Keras' defaults
	Loss      nn.Loss         // nil: sparse categorical crossentropy
	TopK      int             // > 1 adds top-k accuracy to the logs
}

// Compile attaches an optimizer and a loss to m. m need not be built: Fit
// builds it from FitOptions.Seed.
func Compile(m nn.Model, opts CompileOptions) *Model {
	if opts.Optimizer == nil {
		opts.Optimizer = optim.NewAdam(optim.Config{})
	}
	if opts.Loss == nil {
		opts.Loss = &nn.SparseCategoricalCrossentropy{}
	}
	return &Model{Model: m, Optimizer: opts.Optimizer, Loss: opts.Loss, TopK: opts.TopK}
}

// FitOptions are Keras' fit arguments; every zero value is Keras' default.
type FitOptions struct {
	Epochs    int // 0: 1
	BatchSize int // 0: 32
	// ValidationSplit holds out this fraction of the data (stratified by
	// class) for validation; ValidationData gives a separate set instead.
	ValidationSplit float64
	ValidationData  *data.Dataset
	// Seed makes the run reproducible: initial weights (when the model is
	// not built yet), the split, the shuffling and the augmentation.
	Seed      uint64
	NoShuffle bool
	// Preprocess normalizes every image (nil: the pixels' 0..255 values);
	// featurewise statistics are fitted on the training split.
	Preprocess   *data.Preprocess
	Augment      *data.Augment
	ClassWeights []float64 // one per class; nil: none
	Callbacks    []Callback
}

// Fit trains the model on images (Keras' model.fit): it checks every
// option first, builds the model when it is not built, splits off the
// validation data, and runs Epochs epochs.
func (m *Model) Fit(ctx context.Context, images *data.Dataset, opts FitOptions) (*History, error) {
	if err := opts.check(images); err != nil {
		return nil, err
	}
	if !m.Built() {
		if err := m.Build(opts.Seed); err != nil {
			return nil, err
		}
	}
	trainIdx, valIdx := make([]int, images.Len()), []int(nil)
	for i := range trainIdx {
		trainIdx[i] = i
	}
	if opts.ValidationSplit > 0 {
		var err error
		if trainIdx, valIdx, err = data.SplitStratified(images.Labels, trainIdx, opts.ValidationSplit, opts.Seed); err != nil {
			return nil, fmt.Errorf("FitOptions.ValidationSplit: %w", err)
		}
	}
	pp := data.Preprocess{}
	if opts.Preprocess != nil {
		pp = *opts.Preprocess
	}
	if err := pp.Fit(images, trainIdx); err != nil {
		return nil, fmt.Errorf("FitOptions.Preprocess: %w", err)
	}
	tr, err := data.NewTrainLoader(images, trainIdx, data.TrainConfig{BatchSize: opts.BatchSize, Seed: opts.Seed,
		NoShuffle: opts.NoShuffle, Augment: opts.Augment, Preprocess: &pp, ClassWeights: opts.ClassWeights})
	if err != nil {
		return nil, fmt.Errorf("FitOptions: %w", err)
	}
	var val *data.Loader
	switch {
	case valIdx != nil:
		val, err = data.NewEvalLoader(images, valIdx, data.EvalConfig{BatchSize: opts.BatchSize, Preprocess: &pp})
	case opts.ValidationData != nil:
		val, err = data.NewEvalLoader(opts.ValidationData, nil, data.EvalConfig{BatchSize: opts.BatchSize, Preprocess: &pp})
	}
	if err != nil {
		return nil, fmt.Errorf("FitOptions.ValidationData: %w", err)
	}
	m.Preprocess = &pp
	return Fit(ctx, m.Model, tr, val, Options{Epochs: opts.Epochs, Loss: m.Loss, Optimizer: m.Optimizer,
		Callbacks: opts.Callbacks, TopK: m.TopK})
}

// check fills the zero values of opts and checks the values Fit cannot
// default.
func (opts *FitOptions) check(images *data.Dataset) error {
	if images == nil || images.Len() == 0 {
		return fmt.Errorf("Fit: no training images")
	}
	if opts.Epochs < 0 {
		return fmt.Errorf("FitOptions.Epochs: %d, want >= 1 (0 means 1)", opts.Epochs)
	}
	if opts.BatchSize < 0 {
		return fmt.Errorf("FitOptions.BatchSize: %d, want >= 1 (0 means 32)", opts.BatchSize)
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 32
	}
	if s := opts.ValidationSplit; math.IsNaN(s) || s < 0 || s >= 1 {
		return fmt.Errorf("FitOptions.ValidationSplit: %v, want a fraction in [0, 1)", s)
	}
	if opts.ValidationSplit > 0 && opts.ValidationData != nil {
		return fmt.Errorf("FitOptions: ValidationSplit and ValidationData both given; want one")
	}
	if opts.ClassWeights != nil && len(opts.ClassWeights) != images.NumClasses() {
		return fmt.Errorf("FitOptions.ClassWeights: %d weights for %d classes", len(opts.ClassWeights), images.NumClasses())
	}
	for i, w := range opts.ClassWeights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return fmt.Errorf("FitOptions.ClassWeights[%d]: %v, want a finite weight >= 0", i, w)
		}
	}
	return nil
}

// Evaluate measures loss, accuracy and the confusion matrix of the model
// on images (Keras' model.evaluate), normalized as the last Fit did.
func (m *Model) Evaluate(ctx context.Context, images *data.Dataset) (*EvalResult, error) {
	if !m.Built() {
		return nil, fmt.Errorf("Evaluate: model is not built (Fit or Build it first)")
	}
	if images == nil || images.Len() == 0 {
		return nil, fmt.Errorf("Evaluate: no images")
	}
	outputs := m.Output()[len(m.Output())-1]
	l, err := data.NewEvalLoader(images, nil, data.EvalConfig{BatchSize: 32, Preprocess: m.Preprocess})
	if err != nil {
		return nil, err
	}
	if err := checkLoader("evaluation data", l, m.Model, outputs); err != nil {
		return nil, err
	}
	return Evaluate(ctx, m.Model, l, m.Loss, classNames(images, outputs), m.TopK)
}
