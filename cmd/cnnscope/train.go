package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/report"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["train"] = command{summary: "train a model (from flags or a YAML spec) into a run directory", run: runTrain}
}

const trainExamples = `  cnnscope train --data mnist
  cnnscope train --data fashion-mnist --epochs 5 --out runs/fashion
  cnnscope train --data path/to/images --target-size 64,64 --color-mode rgb \
      --rotation-range 15 --width-shift-range 0.1 --horizontal-flip --class-weight balanced
  cnnscope train --spec my-model.yaml --epochs 20
`

// trainFlags are the flags of train; set ones override the spec.
type trainFlags struct {
	spec, data, test, model, optimizer, out, classWeight, sampling, targetSize, colorMode, fillMode string
	epochs, batch, limit, patience, topK                                                            int
	lr, momentum, valSplit, rescale, rotation, widthShift, heightShift, zoom                        float64
	seed                                                                                            uint64
	hflip, vflip, featCenter, featStd, strict, overwrite, fromLogits                                bool
	// Diagnosis: stop on a critical finding; overfit 32 samples first.
	stopOn string
	sanity bool
	// threads sets GOMAXPROCS; dryRun only prints what would run.
	threads int
	dryRun  bool
	ft      fineTuneFlags
	// tensorboard is the directory for TensorBoard's event files.
	tensorboard string
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.spec, "spec", "", "YAML spec file (see cnnscope init); flags given too override it")
	fs.StringVar(&f.data, "data", "mnist", "training data: mnist, fashion-mnist or a folder with one sub-folder per class")
	fs.StringVar(&f.test, "test", "", "folder of test images (built-in data sets use their test split)")
	fs.StringVar(&f.model, "model", "basic-cnn", "model preset: "+strings.Join(nn.PresetNames(), ", "))
	fs.IntVar(&f.epochs, "epochs", 5, "epochs to train")
	fs.IntVar(&f.batch, "batch", 32, "batch size")
	fs.StringVar(&f.optimizer, "optimizer", "adam", "optimizer: adam, sgd, adamw, rmsprop")
	fs.Float64Var(&f.lr, "lr", 0, "learning rate (0: the optimizer's Keras default: 1e-3 for adam, 1e-2 for sgd)")
	fs.Float64Var(&f.momentum, "momentum", 0, "SGD momentum")
	fs.BoolVar(&f.fromLogits, "from-logits", false, "the model's last layer is linear and the loss applies softmax (sigmoid for binary_crossentropy) itself, as Keras' from_logits=True (compile.from_logits)")
	fs.Float64Var(&f.valSplit, "validation-split", 0.1, "share of the training images held out for validation (stratified)")
	alias(fs, "val-split", "validation-split")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed (weights, split, shuffling, augmentation, dropout)")
	fs.StringVar(&f.out, "out", "", "run directory (default runs/<date>-<time>); it must be empty or new, unless --overwrite")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace the run already in --out (the new run takes its place at once; the old one is removed)")
	fs.IntVar(&f.limit, "limit", 0, "use N training images, drawn at random per class (0: all)")
	fs.Float64Var(&f.rescale, "rescale", 1.0/255, "multiply pixels by this (Keras' rescale); 1 leaves 0..255")
	fs.BoolVar(&f.featCenter, "featurewise-center", false, "subtract the training set's per-channel mean")
	fs.BoolVar(&f.featStd, "featurewise-std-normalization", false, "divide by the training set's per-channel std")
	fs.Float64Var(&f.rotation, "rotation-range", 0, "augment: rotate by up to this many degrees")
	fs.Float64Var(&f.widthShift, "width-shift-range", 0, "augment: shift horizontally by up to this fraction of the width (or pixels if >= 1)")
	fs.Float64Var(&f.heightShift, "height-shift-range", 0, "augment: shift vertically by up to this fraction of the height (or pixels if >= 1)")
	fs.Float64Var(&f.zoom, "zoom-range", 0, "augment: zoom by a factor in [1-z, 1+z]")
	fs.BoolVar(&f.hflip, "horizontal-flip", false, "augment: flip left-right at random")
	fs.BoolVar(&f.vflip, "vertical-flip", false, "augment: flip upside down at random")
	fs.StringVar(&f.fillMode, "fill-mode", "nearest", "augment: fill outside the image with nearest, constant, reflect or wrap")
	fs.StringVar(&f.classWeight, "class-weight", "none", "class weights: balanced (n_samples / (n_classes * count)) or none")
	fs.StringVar(&f.sampling, "sampling", "none", "even out classes by resampling: oversample, undersample or none")
	fs.StringVar(&f.targetSize, "target-size", "", "resize folder images to height,width (default: their most common size; their median one within 256,256 when no size holds half of them)")
	fs.StringVar(&f.colorMode, "color-mode", "", "folder images as grayscale, rgb or rgba (default: detected)")
	fs.BoolVar(&f.strict, "strict", false, "fail on any unreadable or odd file instead of skipping it")
	fs.IntVar(&f.patience, "patience", 0, "early stopping: stop after this many epochs without val_loss improvement (0: off)")
	fs.IntVar(&f.topK, "top-k", 0, "also report top-k accuracy (k > 1)")
	fs.StringVar(&f.stopOn, "stop-on", "none", "diagnosis: critical stops a run that cannot recover (NaN, divergence, dead network), keeping the last good checkpoint; none")
	fs.BoolVar(&f.sanity, "sanity", false, "diagnosis: before training, check that the model can overfit 32 samples in 200 steps")
	fs.IntVar(&f.threads, "threads", 0, "cores the kernels use (GOMAXPROCS; 0: all)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the resolved spec, the model summary and the memory estimate; create nothing")
	f.ft.register(fs)
	fs.StringVar(&f.tensorboard, "tensorboard", "", "also write TensorBoard event files into DIR/train and DIR/validation, as Keras' TensorBoard callback (DIR relative to the working directory; see fit.tensorboard)")
}

// spec builds the run's spec: the spec file (if any), then every flag
// given on the command line; without a spec file every flag counts.
func (f *trainFlags) toSpec(fs *flag.FlagSet) (*spec.Spec, error) {
	s, set, err := f.baseSpec(fs)
	if err != nil {
		return nil, err
	}
	if err := f.applyDataFlags(s, set); err != nil {
		return nil, err
	}
	f.applyPreprocessFlags(s, set)
	f.applyAugmentFlags(s, set)
	if err := f.applySamplingFlags(s, set); err != nil {
		return nil, err
	}
	f.applyFitFlags(s, set)
	f.ft.apply(s, set)
	if err := s.Validate(); err != nil {
		return nil, usageError{err.Error()}
	}
	return s, nil
}

// baseSpec checks the flags and returns the spec file's spec (or an empty
// one) with the set of flags that override it.
func (f *trainFlags) baseSpec(fs *flag.FlagSet) (*spec.Spec, map[string]bool, error) {
	s := &spec.Spec{}
	set := setFlags(fs, trainAliases)
	if err := f.check(set); err != nil {
		return nil, nil, err
	}
	if err := f.ft.check(set); err != nil {
		return nil, nil, err
	}
	if f.spec != "" {
		var err error
		if s, err = spec.Load(f.spec); err != nil {
			return nil, nil, usageError{err.Error()}
		}
	} else {
		given := maps.Clone(set)
		fs.VisitAll(func(fl *flag.Flag) { set[fl.Name] = true })
		f.ft.unmarkDefaults(set, given)
	}
	return s, set, nil
}

// applyDataFlags applies the seed and the data source, split and
// image-loading flags.
func (f *trainFlags) applyDataFlags(s *spec.Spec, set map[string]bool) error {
	if set["seed"] {
		s.Seed = f.seed
	}
	if set["data"] {
		s.Data.Source = f.data
	}
	if set["test"] && f.test != "" {
		s.Data.Test = f.test
	}
	if set["validation-split"] {
		v := f.valSplit
		s.Data.ValidationSplit = &v
	}
	if set["limit"] {
		s.Data.Limit = f.limit
	}
	if set["strict"] {
		s.Data.Strict = f.strict
	}
	if set["target-size"] && f.targetSize != "" {
		size, err := parseTargetSize(f.targetSize)
		if err != nil {
			return err
		}
		s.Data.TargetSize = size
	}
	if set["color-mode"] && f.colorMode != "" {
		s.Data.ColorMode = f.colorMode
	}
	return nil
}

// parseTargetSize reads --target-size as height,width (or HxW).
func parseTargetSize(v string) ([]int, error) {
	parts := strings.Split(strings.ReplaceAll(v, "x", ","), ",")
	if len(parts) != 2 {
		return nil, usagef("--target-size %q: want height,width such as 64,64", v)
	}
	var size []int
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 {
			return nil, usagef("--target-size %q: want height,width such as 64,64", v)
		}
		size = append(size, n)
	}
	return size, nil
}

// applyPreprocessFlags applies the rescale and featurewise flags.
func (f *trainFlags) applyPreprocessFlags(s *spec.Spec, set map[string]bool) {
	if !set["rescale"] && !set["featurewise-center"] && !set["featurewise-std-normalization"] {
		return
	}
	if s.Data.Preprocessing == nil {
		s.Data.Preprocessing = &data.Preprocess{}
	}
	if set["rescale"] {
		s.Data.Preprocessing.Rescale = float32(f.rescale)
	}
	if set["featurewise-center"] {
		s.Data.Preprocessing.FeaturewiseCenter = f.featCenter
	}
	if set["featurewise-std-normalization"] {
		s.Data.Preprocessing.FeaturewiseStdNormalization = f.featStd
	}
}

// applyAugmentFlags applies the augmentation flags, creating the
// augmentation section only when one of them asks for something.
func (f *trainFlags) applyAugmentFlags(s *spec.Spec, set map[string]bool) {
	aug := func() *data.Augment {
		if s.Data.Augmentation == nil {
			s.Data.Augmentation = &data.Augment{}
		}
		return s.Data.Augmentation
	}
	if set["rotation-range"] && f.rotation != 0 {
		aug().RotationRange = f.rotation
	}
	if set["width-shift-range"] && f.widthShift != 0 {
		aug().WidthShiftRange = f.widthShift
	}
	if set["height-shift-range"] && f.heightShift != 0 {
		aug().HeightShiftRange = f.heightShift
	}
	if set["zoom-range"] && f.zoom != 0 {
		aug().ZoomRange = data.ZoomAround(f.zoom)
	}
	if set["horizontal-flip"] && f.hflip {
		aug().HorizontalFlip = true
	}
	if set["vertical-flip"] && f.vflip {
		aug().VerticalFlip = true
	}
	if set["fill-mode"] && s.Data.Augmentation != nil {
		aug().FillMode = data.FillMode(f.fillMode)
	}
}

// applySamplingFlags applies --class-weight and --sampling.
func (f *trainFlags) applySamplingFlags(s *spec.Spec, set map[string]bool) error {
	if set["class-weight"] {
		if f.classWeight != "balanced" && f.classWeight != "none" {
			return usagef("--class-weight %q: want balanced or none (a per-class map goes in a spec file)", f.classWeight)
		}
		s.Data.ClassWeight = spec.ClassWeight{Mode: f.classWeight}
	}
	if set["sampling"] {
		s.Data.Sampling = f.sampling
	}
	return nil
}

// applyFitFlags applies the model, compile and fit flags.
func (f *trainFlags) applyFitFlags(s *spec.Spec, set map[string]bool) {
	if set["model"] {
		s.Model = spec.Model{Preset: f.model}
	}
	if set["optimizer"] {
		s.Compile.Optimizer = f.optimizer
	}
	if set["lr"] && f.lr != 0 {
		s.Compile.LearningRate = f.lr
	}
	if set["momentum"] && f.momentum != 0 {
		s.Compile.Momentum = f.momentum
	}
	if set["from-logits"] {
		s.Compile.FromLogits = f.fromLogits
	}
	if set["epochs"] {
		s.Fit.Epochs = f.epochs
	}
	if set["batch"] {
		s.Fit.BatchSize = f.batch
	}
	if set["top-k"] && f.topK != 0 {
		s.Fit.TopK = f.topK
	}
	if set["patience"] && f.patience > 0 {
		s.Fit.EarlyStopping = &spec.EarlyStopping{Patience: f.patience, RestoreBestWeights: true}
	}
	if f.tensorboard != "" { // the spec's update_freq and histogram_freq stay
		if s.Fit.TensorBoard == nil {
			s.Fit.TensorBoard = &spec.TensorBoard{}
		}
		s.Fit.TensorBoard.LogDir = f.tensorboard
	}
}

func runTrain(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("train", "train [--data mnist|fashion-mnist|DIR] [--model NAME] [--epochs N] [flags]", trainExamples, stderr)
	var f trainFlags
	f.register(fs)
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	var spec *spec.Spec
	if err == nil {
		spec, err = f.toSpec(fs)
	}
	dopts := diagnose.Options{Sanity: f.sanity}
	if err == nil {
		switch f.stopOn {
		case "critical":
			dopts.StopOn = diagnose.Critical
		case "none", "":
		default:
			err = usagef("--stop-on %q: want critical or none", f.stopOn)
		}
	}
	if err == nil {
		defer setThreads(f.threads)()
	}
	if err == nil && f.dryRun {
		return exitCode(stderr, "train", nameSpecFile(dryRun(stdout, spec), f.spec, setFlags(fs, nil)["model"]))
	}
	if err == nil {
		dir := f.out
		if dir == "" {
			dir = defaultRunDir(time.Now())
		}
		// run.json keeps the thread count for resume: it picks the steps'
		// shards and sums, so the same count gives the same weights.
		settings := map[string]string{"threads": strconv.Itoa(runtime.GOMAXPROCS(0))}
		if f.stopOn == "critical" {
			settings["stop_on"] = f.stopOn
		}
		err = runSpecWith(spec, train.RunOptions{Dir: dir, Overwrite: f.overwrite, Settings: settings}, false, stdout, dopts)
	}
	return exitCode(stderr, "train", nameSpecFile(err, f.spec, setFlags(fs, nil)["model"]))
}

// runSpecWith runs (or resumes) a spec into ro.Dir, stopping cleanly on
// Ctrl-C, with the diagnosis' options: a diagnose.Monitor prints findings
// as they are raised, writes diagnosis.json, and the run ends with the
// verdict. A run that failed (NaN) or that the diagnosis stopped still
// gets its report, and returns its error (exit code 1).
func runSpecWith(spec *spec.Spec, ro train.RunOptions, resume bool, stdout io.Writer, dopts diagnose.Options) error {
	ctx, stop := interruptContext()
	defer stop()
	dir := ro.Dir
	dopts.Out, dopts.Terminal = stdout, isTerminal(stdout)
	mon := diagnose.NewMonitor(dir, dopts)
	defer func() {
		if d := mon.Diagnosis(); d != nil {
			d.WriteSummary(stdout)
		}
	}()
	ro.Out, ro.Terminal, ro.Callbacks, ro.Setup, ro.Hold = stdout, dopts.Terminal, []train.Callback{mon}, mon.Setup, true
	res, err := train.Run(ctx, spec, ro, resume)
	defer res.Release() // after the report
	if errors.Is(err, train.ErrStopped) {
		return fmt.Errorf("%v; continue with: cnnscope resume %s", err, dir)
	}
	var failed *train.FailedError
	stopped := err != nil && res != nil && res.Info != nil && res.Info.State == rundir.Stopped &&
		res.Info.StoppedBy == rundir.StoppedByCallback
	if err != nil && !errors.As(err, &failed) && !stopped {
		return err
	}
	if res.Done {
		return ended(stdout, dir, res.Info)
	}
	in := report.Inputs{Data: res.Data, Model: res.Model, Duration: res.Duration, StopReason: res.History.StopReason}
	switch {
	case stopped:
		in.Model = nil // no model was saved: report what the run directory holds
	case failed == nil:
		if r := res.History.StopReason; r != "" {
			fmt.Fprintf(stdout, "Stopped early: %s\n", r)
		}
		fmt.Fprintf(stdout, "Saved model to %s (%s, %s) in %s\n", dir, modelfile.WeightsFile, modelfile.ConfigFile, res.Duration.Round(time.Second))
	}
	if resume {
		in.Duration = 0 // only this part's: estimate the whole run's from the files
	}
	if path, err := report.WriteRun(ctx, dir, in); err != nil {
		fmt.Fprintf(stdout, "Report not written: %v\n", err) // the run itself succeeded
	} else {
		fmt.Fprintf(stdout, "Report: %s\n", path)
	}
	return err
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// defaultRunDir is runs/<date>-<time>, or runs/<date>-<time>-2, -3, ...
// when a run started in the same second already has that name.
func defaultRunDir(now time.Time) string {
	base := filepath.Join("runs", now.Format("20060102-150405"))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// nameSpecFile names the spec file in an error about its model ("b6.yaml:
// model: the last layer has 7 outputs ..."), as spec.Load names it in
// its own errors; the error keeps its kind (exit code). Not when there is
// no spec file or --model replaced its model.
func nameSpecFile(err error, file string, modelFlag bool) error {
	if err == nil || file == "" || modelFlag || !strings.HasPrefix(err.Error(), "model: ") {
		return err
	}
	var u usageError
	if errors.As(err, &u) {
		return usageError{file + ": " + u.Error()}
	}
	return fmt.Errorf("%s: %w", file, err)
}
