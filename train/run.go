package train

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/tensor"
)

// Files of a run directory.
const (
	SpecFile       = "spec.yaml"
	HistoryFile    = "history.csv"
	MetricsFile    = "metrics.jsonl"
	EvaluationFile = "evaluation.json"
	CheckpointsDir = "checkpoints"
)

// RunOptions say where a run writes.
type RunOptions struct {
	// Dir is the run directory (created if needed).
	Dir string
	// Out receives progress and summaries; Terminal selects the live bar.
	Out      io.Writer
	Terminal bool
	// Extra callbacks run after the built-in ones (before checkpointing).
	Callbacks []Callback
	// Setup, when set, runs once the data are prepared, the loaders made
	// and the model built (and, on resume, restored), just before the fit:
	// the diagnosis' checks before step 1 use it. An error ends the run.
	Setup func(spec *Spec, p *Prepared, m *nn.Sequential, train, val *data.Loader, resume bool) error
}

// RunResult is what a finished (or stopped) run produced.
type RunResult struct {
	Spec     *Spec
	Data     *Prepared
	Model    *nn.Sequential
	History  *History
	Val      *EvalResult // the final model on the validation split (nil without one)
	Test     *EvalResult // nil without a test set
	Duration time.Duration
}

// BuildModel makes the spec's model for the data's input shape and
// classes, built from the spec's seed.
func BuildModel(s *Spec, input tensor.Shape, classes int) (*nn.Sequential, error) {
	var m *nn.Sequential
	var err error
	if s.Model.Preset != "" {
		m, err = nn.NewPreset(s.Model.Preset, input, classes)
	} else {
		m, err = nn.ModelSpec{Input: input, Layers: s.Model.Layers}.Model()
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	e, err := m.EstimateMemory(max(s.Fit.BatchSize, 1), OptimizerSlots(s.Compile))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := e.Fits(); err != nil {
		return nil, fmt.Errorf("model: training %w", err)
	}
	if err := m.Build(s.Seed); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if out := m.Output(); out[len(out)-1] != classes {
		return nil, fmt.Errorf("model: the last layer has %d outputs but the data has %d classes", out[len(out)-1], classes)
	}
	return m, nil
}

// NewOptimizer makes the spec's optimizer.
func NewOptimizer(c CompileSpec) (optim.Optimizer, error) {
	cfg := optim.Config{LearningRate: c.LearningRate, ClipNorm: c.ClipNorm, ClipValue: c.ClipValue, WeightDecay: c.WeightDecay}
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if c.Optimizer == "sgd" {
		return optim.NewSGD(cfg, c.Momentum, c.Nesterov), nil
	}
	if c.Momentum != 0 || c.Nesterov {
		return nil, fmt.Errorf("compile.momentum and compile.nesterov apply to sgd only, not %s", c.Optimizer)
	}
	return optim.New(c.Optimizer, cfg)
}

// Run trains a model as the spec says, writing the run directory: spec.yaml
// (resolved), history.csv, metrics.jsonl, checkpoints/ and at the end
// model.safetensors + model.json. With resume, it continues from
// checkpoints/last.safetensors.
func Run(ctx context.Context, spec *Spec, ro RunOptions, resume bool) (*RunResult, error) {
	start := time.Now()
	spec.Defaults()
	if err := spec.Validate(); err != nil {
		return nil, inputError(err)
	}
	p, err := PrepareData(spec.Data, spec.Seed)
	if err != nil {
		return nil, inputError(err)
	}
	if err := spec.ValidateForData(len(p.Classes)); err != nil {
		return nil, inputError(err)
	}
	input := tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}
	m, err := BuildModel(spec, input, len(p.Classes))
	if err != nil {
		return nil, inputError(err)
	}
	opt, err := NewOptimizer(spec.Compile)
	if err != nil {
		return nil, inputError(err)
	}
	loss, err := nn.LossByName(spec.Compile.Loss)
	if err != nil {
		return nil, inputError(fmt.Errorf("compile.loss: %w", err))
	}
	tr, val, test, err := p.Loaders(spec.Data, spec.Fit, spec.Seed)
	if err != nil {
		return nil, inputError(err)
	}
	// The inputs are good: only now does the run directory appear.
	if err := os.MkdirAll(ro.Dir, 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(ro.Out, "Run directory: %s\n", ro.Dir)
	if !resume {
		b, err := spec.Marshal()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(filepath.Join(ro.Dir, SpecFile), func(w io.Writer) error {
			_, err := w.Write(b)
			return err
		}, 0o644); err != nil {
			return nil, err
		}
	}
	if err := p.WriteSummary(ro.Out, spec.Data.Source); err != nil {
		return nil, err
	}
	save := func(dir string) error {
		return SaveModel(dir, m, p.Classes, p.Preprocess, loss.Name(), spec.Data.Interpolation)
	}
	ckpt := &ModelCheckpoint{Dir: filepath.Join(ro.Dir, CheckpointsDir), Save: save}
	callbacks := []Callback{NewProgress(ro.Out, ro.Terminal)}
	if es := spec.Fit.EarlyStopping; es != nil {
		callbacks = append(callbacks, &EarlyStopping{Monitor: es.Monitor, MinDelta: es.MinDelta, Patience: es.Patience,
			RestoreBestWeights: es.RestoreBestWeights, StartFromEpoch: es.StartFromEpoch})
	}
	if rp := spec.Fit.ReduceLROnPlateau; rp != nil {
		callbacks = append(callbacks, &ReduceLROnPlateau{Monitor: rp.Monitor, Factor: rp.Factor, Patience: rp.Patience,
			MinLR: rp.MinLR, Cooldown: rp.Cooldown})
	}
	callbacks = append(callbacks,
		&TerminateOnNaN{},
		&MetricsLogger{Path: filepath.Join(ro.Dir, MetricsFile), Every: spec.Fit.MetricsEvery, Append: resume},
		NewCSVLogger(filepath.Join(ro.Dir, HistoryFile), resume))
	callbacks = append(callbacks, ro.Callbacks...)
	callbacks = append(callbacks, ckpt) // last: it saves the others' state
	opts := Options{Epochs: spec.Fit.Epochs, Loss: loss, Optimizer: opt, Callbacks: callbacks,
		Classes: p.Classes, TopK: spec.Fit.TopK}
	if resume {
		path := filepath.Join(ckpt.Dir, LastCheckpoint)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("resume: %s has no checkpoint yet (%v); start it again with train", ro.Dir, err)
		}
		st, err := LoadCheckpoint(path, m, opt, callbacks)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		opts.InitialEpoch, opts.InitialStep = st.Epoch, st.Step
		opts.History = &History{Epochs: st.History}
		fmt.Fprintf(ro.Out, "Resuming after epoch %d of %d (step %d)\n", st.Epoch, spec.Fit.Epochs, st.Step)
	}
	res := &RunResult{Spec: spec, Data: p, Model: m}
	if ro.Setup != nil {
		if err := ro.Setup(spec, p, m, tr, val, resume); err != nil {
			return res, err
		}
	}
	h, err := Fit(ctx, m, tr, val, opts)
	res.History = h
	if err != nil {
		return res, err
	}
	if err := save(ro.Dir); err != nil {
		return res, err
	}
	if val != nil {
		if res.Val, err = Evaluate(ctx, m, val, loss, p.Classes, spec.Fit.TopK); err != nil {
			return res, err
		}
	}
	if test != nil {
		if res.Test, err = Evaluate(ctx, m, test, loss, p.Classes, spec.Fit.TopK); err != nil {
			return res, err
		}
		fmt.Fprintf(ro.Out, "Test: loss %.4f - accuracy %.4f (%d images)\n", res.Test.Loss, res.Test.Accuracy, res.Test.Samples)
	}
	if err := WriteEvaluation(filepath.Join(ro.Dir, EvaluationFile), res.Val, res.Test); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// InputError is an error in what the user gave a run (spec, flags, data):
// the command line reports it as a usage error (exit code 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputError(err error) error { return &InputError{Err: err} }
