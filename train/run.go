package train

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// Files of a run directory.
const (
	SpecFile       = rundir.SpecFile
	RunInfoFile    = rundir.InfoFile
	HistoryFile    = "history.csv"
	MetricsFile    = "metrics.jsonl"
	EvaluationFile = "evaluation.json"
	CheckpointsDir = "checkpoints"
)

// RunOptions say where a run writes.
type RunOptions struct {
	// Dir is the run directory. A new run creates it, or takes it when it
	// is empty; a directory holding anything else is refused (an
	// *InputError) unless Overwrite is set and it holds a run.
	Dir string
	// Overwrite lets a new run replace the run in Dir: the new run's
	// directory is made beside it and swapped in at once once its
	// spec.yaml and run.json are written; the old run is then removed.
	Overwrite bool
	// Settings are kept in run.json for resume: settings of the caller
	// that spec.yaml does not hold (the command line's stop_on).
	Settings map[string]string
	// ResumeStopped lets resume continue a run a callback stopped
	// (run.json stopped by "callback": the diagnosis' --stop-on critical);
	// without it resume leaves such a run as it is (RunResult.Done).
	ResumeStopped bool
	// Hold keeps the run directory locked after Run returns, until
	// RunResult.Release, for a caller that writes more into it.
	Hold bool
	// Out receives progress and summaries; Terminal selects the live bar.
	Out      io.Writer
	Terminal bool
	// Extra callbacks run after the built-in ones (before checkpointing).
	Callbacks []Callback
	// Setup, when set, runs once the data are prepared, the loaders made
	// and the model built (and, on resume, restored), just before the fit:
	// the diagnosis' checks before step 1 use it. An error ends the run.
	Setup func(spec *spec.Spec, p *Prepared, m nn.Model, train, val *data.Loader, resume bool) error
}

// RunResult is what a finished (or stopped) run produced.
type RunResult struct {
	Spec     *spec.Spec
	Data     *Prepared
	Model    nn.Model
	History  *History
	Val      *EvalResult // the final model on the validation split (nil without one)
	Test     *EvalResult // nil without a test set
	Duration time.Duration
	// RunID names the run; Info is its run.json as Run left it.
	RunID string
	Info  *rundir.Info
	// Done is set when resume found the run already ended (Info.State
	// finished or failed, or stopped by a callback without
	// RunOptions.ResumeStopped): nothing ran.
	Done bool

	dir *rundir.Dir
}

// Release lets go of the run directory (RunOptions.Hold). Safe on nil.
func (r *RunResult) Release() {
	if r != nil {
		r.dir.Close()
		r.dir = nil
	}
}

// BuildModel makes the spec's model for the data's input shape and
// classes, built from the spec's seed.
func BuildModel(s *spec.Spec, input tensor.Shape, classes int) (nn.Model, error) {
	if s.Model.From != "" {
		m, err := buildFineTune(s, input, classes)
		if err != nil {
			return nil, inputError(err)
		}
		return m, nil
	}
	var m nn.Model
	var err error
	if s.Model.Preset != "" {
		m, err = nn.NewPreset(s.Model.Preset, input, classes)
	} else {
		m, err = nn.ModelSpec{Input: input, Layers: s.Model.Layers}.Model()
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := estimateAndBuild(s, m, s.Seed); err != nil {
		return nil, err
	}
	if out := m.Output(); out[len(out)-1] == 1 && classes == 2 {
		return nil, fmt.Errorf("model: the last layer has 1 output for the data's 2 classes: a single sigmoid output " +
			"(Keras' Dense(1, activation=\"sigmoid\") with binary_crossentropy) is not supported; " +
			"use units: 2 with activation: softmax and loss sparse_categorical_crossentropy")
	} else if out[len(out)-1] != classes {
		return nil, fmt.Errorf("model: the last layer has %d outputs but the data has %d classes", out[len(out)-1], classes)
	} else if out.Size() != classes {
		return nil, fmt.Errorf("model: the output is %s, want one score per class for each image, (None, %d): "+
			"add Flatten or GlobalAveragePooling2D before the last Dense", nn.FormatShape(out), classes)
	}
	if err := checkFineTuneStage(s, m); err != nil {
		return nil, inputError(err)
	}
	return m, nil
}

// estimateAndBuild refuses a model whose training cannot fit in memory,
// then builds it from the spec's seed.
func estimateAndBuild(s *spec.Spec, m nn.Model, seed uint64) error {
	e, err := m.EstimateMemory(max(s.Fit.BatchSize, 1), spec.OptimizerSlots(s.Compile))
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if err := e.Fits(); err != nil {
		return fmt.Errorf("model: training %w; the model's input %s (height x width x channels) sets most of it: "+
			"--target-size H,W (data.target_size) resizes the images smaller (224,224 or less is usual), and a smaller --batch (fit.batch_size) needs less for the activations",
			err, shapeText(m.InputShape()))
	}
	if err := m.Build(seed); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// shapeText writes a per-sample shape as 28x28x1.
func shapeText(s tensor.Shape) string {
	dims := make([]string, len(s))
	for i, d := range s {
		dims[i] = strconv.Itoa(d)
	}
	return strings.Join(dims, "x")
}

// NewOptimizer makes the spec's optimizer.
func NewOptimizer(c spec.Compile) (optim.Optimizer, error) {
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
// (resolved, first line naming the run), run.json, history.csv,
// metrics.jsonl, checkpoints/ and at the end model.safetensors +
// model.json and evaluation.json. The directory is locked while Run
// writes it (a second Run into it fails at once with a *LockedError).
//
// With resume, it continues the run in ro.Dir from
// checkpoints/last.safetensors, or from epoch 0 when there is no
// checkpoint yet; a run that has ended is not run again (Done), nor one a
// callback stopped unless ro.ResumeStopped. A checkpoint or run.json of
// another run than spec.yaml names is refused.
//
// A run whose loss became NaN or ±Inf or whose weights did is a
// *FailedError: the model saved is the last good checkpoint's (none
// before the first good epoch) and run.json says "failed". A run that an
// interrupt (ctx), a callback's error or another error ended before its
// last epoch returns that error, with RunResult.History as far as it got;
// run.json says "stopped" with the error and what stopped it
// (rundir.StoppedBy*), and no model is saved (see runner.stopped).
func Run(ctx context.Context, spec *spec.Spec, ro RunOptions, resume bool) (*RunResult, error) {
	r := &runner{spec: spec, ro: ro, resume: resume, start: time.Now()}
	res, err := r.run(ctx)
	if res != nil && ro.Hold {
		res.dir = r.dir
	} else {
		r.dir.Close()
	}
	return res, err
}

// runner holds a run's parts between its phases.
type runner struct {
	spec   *spec.Spec
	ro     RunOptions
	resume bool
	start  time.Time

	dir  *rundir.Dir
	info *rundir.Info
	id   string

	p              *Prepared
	m              nn.Model
	opt            optim.Optimizer
	loss           nn.Loss
	tr, val, test  *data.Loader
	fromCheckpoint bool
	ckpt           *ModelCheckpoint
	notes          []string // what a fine-tune took from its pre-trained model
	nan            *TerminateOnNaN
}

func (r *runner) run(ctx context.Context) (*RunResult, error) {
	if r.resume {
		if err := r.openResume(); err != nil {
			return nil, err
		}
		if r.ended() {
			return &RunResult{Spec: r.spec, RunID: r.id, Info: r.info, Done: true}, nil
		}
	}
	if err := r.prepare(); err != nil {
		return nil, err
	}
	// On resume this restores the checkpoint: a damaged one is refused
	// before anything is printed or run.json changes.
	opts, err := r.options()
	if err != nil {
		return nil, err
	}
	// The inputs are good: only now does the run directory appear.
	if err := r.claim(); err != nil {
		return nil, err
	}
	opts.RunID = r.id
	fmt.Fprintf(r.ro.Out, "Run directory: %s\n", r.ro.Dir)
	for _, n := range r.notes {
		fmt.Fprintf(r.ro.Out, "Fine-tune: %s\n", n)
	}
	if err := r.p.WriteSummary(r.ro.Out, r.spec.Data.Source, r.spec.Data.Test); err != nil {
		return nil, err
	}
	if r.resume {
		fmt.Fprintln(r.ro.Out, r.resumeNote(opts))
	}
	res := &RunResult{Spec: r.spec, Data: r.p, Model: r.m, RunID: r.id, Info: r.info}
	if r.ro.Setup != nil {
		err = r.ro.Setup(r.spec, r.p, r.m, r.tr, r.val, r.resume)
	}
	if err == nil {
		res.History, err = Fit(ctx, r.m, r.tr, r.val, opts)
	}
	if err != nil {
		err = r.stopped(ctx, res, err)
	} else {
		err = r.finish(ctx, res)
	}
	res.Duration = time.Since(r.start)
	return res, err
}

// prepare checks the spec and makes the data, loaders, model, optimizer
// and loss: any error is an *InputError.
func (r *runner) prepare() error {
	spec := r.spec
	if err := spec.Validate(); err != nil {
		return inputError(err)
	}
	pre, err := r.pretrained()
	if err != nil {
		return inputError(err)
	}
	spec.Defaults()
	if err := spec.Validate(); err != nil {
		return inputError(err)
	}
	if err := CheckTensorBoardDir(spec); err != nil {
		return inputError(err)
	}
	p, err := PrepareData(spec.Data, spec.Seed)
	if err != nil {
		return inputError(err)
	}
	if err := spec.ValidateForData(len(p.Classes)); err != nil {
		return inputError(err)
	}
	p.Resolve(&spec.Data)
	r.newHeadFor(pre, p.Classes)
	input := tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}
	if r.m, err = BuildModel(spec, input, len(p.Classes)); err != nil {
		return inputError(err)
	}
	r.noteFrozen()
	if r.opt, err = NewOptimizer(spec.Compile); err != nil {
		return inputError(err)
	}
	if r.loss, err = spec.Compile.NewLoss(); err != nil {
		return inputError(fmt.Errorf("compile.loss: %w", err))
	}
	if r.tr, r.val, r.test, err = p.Loaders(spec.Data, spec.Fit, spec.Seed); err != nil {
		return inputError(err)
	}
	r.p = p
	return nil
}

// saveModel writes the model into dir as trained for epochs epochs.
func (r *runner) saveModel(dir string, epochs int) error {
	info := modelfile.File{Classes: r.p.Classes, Loss: r.loss.Name(), FromLogits: nn.TakesLogits(r.loss),
		Interpolation: r.spec.Data.Interpolation, RunID: r.id, Epoch: epochs}
	if r.p.Preprocess != nil {
		info.Preprocessing = *r.p.Preprocess
	}
	return modelfile.SaveFile(dir, r.m, info)
}

// options builds the callbacks and the fit's options, restoring the
// checkpoint on resume.
func (r *runner) options() (Options, error) {
	spec, dir := r.spec, r.ro.Dir
	r.ckpt = &ModelCheckpoint{Dir: filepath.Join(dir, CheckpointsDir), Save: r.saveModel}
	r.nan = &TerminateOnNaN{}
	callbacks := []Callback{NewProgress(r.ro.Out, r.ro.Terminal)}
	if ft := spec.Fit.FineTune; ft != nil {
		callbacks = append([]Callback{&FineTuneStage{Spec: *ft, Model: r.m, Out: r.ro.Out}}, callbacks...)
	}
	if spec.Model.From != "" {
		d, err := NewFineTuneDrift(spec, r.m)
		if err != nil {
			return Options{}, inputError(err)
		}
		callbacks = append(callbacks, d)
	}
	if es := spec.Fit.EarlyStopping; es != nil {
		callbacks = append(callbacks, &EarlyStopping{Monitor: es.Monitor, MinDelta: es.MinDelta, Patience: es.Patience,
			RestoreBestWeights: es.RestoreBestWeights, StartFromEpoch: es.StartFromEpoch})
	}
	if rp := spec.Fit.ReduceLROnPlateau; rp != nil {
		callbacks = append(callbacks, &ReduceLROnPlateau{Monitor: rp.Monitor, Factor: rp.Factor, Patience: rp.Patience,
			MinLR: rp.MinLR, Cooldown: rp.Cooldown})
	}
	callbacks = append(callbacks,
		r.nan,
		&MetricsLogger{Path: filepath.Join(dir, MetricsFile), Every: spec.Fit.MetricsEvery, Append: r.fromCheckpoint},
		NewCSVLogger(filepath.Join(dir, HistoryFile), r.fromCheckpoint))
	if tb := spec.Fit.TensorBoard; tb != nil {
		callbacks = append(callbacks, &TensorBoard{LogDir: tb.LogDir, UpdateFreq: tb.UpdateSteps(), HistogramFreq: *tb.HistogramFreq, Resumed: r.resume})
	}
	callbacks = append(callbacks, r.ro.Callbacks...)
	callbacks = append(callbacks, r.ckpt) // last: it saves the others' state
	opts := Options{Epochs: spec.Fit.Epochs, Loss: r.loss, Optimizer: r.opt, Callbacks: callbacks,
		Classes: r.p.Classes, TopK: spec.Fit.TopK, RunID: r.id}
	if !r.resume || !r.fromCheckpoint {
		return opts, nil
	}
	st, err := LoadCheckpoint(filepath.Join(r.ckpt.Dir, LastCheckpoint), r.id, r.m, r.opt, callbacks)
	if err != nil {
		return opts, inputError(fmt.Errorf("resume: %w", err))
	}
	opts.InitialEpoch, opts.InitialStep = st.Epoch, st.Step
	opts.History = &History{Epochs: st.History}
	r.ckpt.LastGood = st.Epoch
	return opts, nil
}

// resumeNote says where a resumed run starts.
func (r *runner) resumeNote(opts Options) string {
	if !r.fromCheckpoint {
		return fmt.Sprintf("No checkpoint yet: starting from epoch 1 as %s says", SpecFile)
	}
	return fmt.Sprintf("Resuming after epoch %d of %d (step %d)", opts.InitialEpoch, opts.Epochs, opts.InitialStep)
}

// InputError is an error in what the user gave a run (spec, flags, data,
// run directory, model files): the command line reports it as a usage
// error (exit code 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputError(err error) error { return &InputError{Err: err} }
