package train

import (
	"fmt"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// resolve fills Options' zero values with their defaults and checks every
// option against the model and the loaders, so that a fit fails before its
// first step (and before any callback runs) with an error naming the
// option, never after an epoch of work.
func (o *Options) resolve(m nn.Model, train, val *data.Loader) error {
	if m == nil || !m.Built() {
		return fmt.Errorf("model is not built: call Build(seed) before Fit")
	}
	if train == nil {
		return fmt.Errorf("no training loader")
	}
	if o.Epochs < 0 {
		return fmt.Errorf("Options.Epochs: %d, want >= 1 (0 means 1)", o.Epochs)
	}
	if o.Epochs == 0 {
		o.Epochs = 1
	}
	if o.InitialEpoch < 0 || o.InitialEpoch > o.Epochs {
		return fmt.Errorf("Options.InitialEpoch: %d, want 0..%d (Options.Epochs)", o.InitialEpoch, o.Epochs)
	}
	if o.InitialStep < 0 {
		return fmt.Errorf("Options.InitialStep: %d, want >= 0", o.InitialStep)
	}
	if o.Loss == nil {
		o.Loss = &nn.SparseCategoricalCrossentropy{}
	}
	if o.Optimizer == nil {
		o.Optimizer = optim.NewAdam(optim.Config{})
	}
	for i, c := range o.Callbacks {
		if c == nil {
			return fmt.Errorf("Options.Callbacks[%d]: nil", i)
		}
	}
	outputs := m.Output()[len(m.Output())-1]
	if o.TopK < 0 || o.TopK > outputs {
		return fmt.Errorf("Options.TopK: %d, want 0..%d (the model's outputs)", o.TopK, outputs)
	}
	if err := checkLoader("training data", train, m, outputs); err != nil {
		return err
	}
	if val != nil {
		if err := checkLoader("validation data", val, m, outputs); err != nil {
			return err
		}
	}
	if o.Classes == nil {
		o.Classes = classNames(train.Dataset(), outputs)
	}
	if len(o.Classes) != outputs {
		return fmt.Errorf("Options.Classes: %d names for a model with %d outputs", len(o.Classes), outputs)
	}
	return nil
}

// checkLoader checks that a loader's images fit the model's input and
// that its classes fit the model's outputs.
func checkLoader(what string, l *data.Loader, m nn.Model, outputs int) error {
	ds := l.Dataset()
	if err := ds.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	in := m.InputShape()
	if len(in) != 3 || in[0] != ds.Height || in[1] != ds.Width || in[2] != ds.Channels {
		return fmt.Errorf("%s: images of %dx%dx%d (height, width, channels) for a model whose input is %s",
			what, ds.Height, ds.Width, ds.Channels, nn.FormatShape(in))
	}
	if n := ds.NumClasses(); n > outputs {
		return fmt.Errorf("%s: %d classes for a model with %d outputs", what, n, outputs)
	}
	return nil
}

// classNames is the data's class names when they name every output, else
// "0", "1", ... for each output.
func classNames(ds *data.Dataset, outputs int) []string {
	if ds != nil && len(ds.Classes) == outputs {
		return ds.Classes
	}
	names := make([]string, outputs)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}
