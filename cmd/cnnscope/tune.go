package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tune"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	commands["tune"] = command{summary: "search hyperparameters: one train run per trial, hopeless trials stopped by diagnosis", run: runTune}
}

const tuneExamples = `  cnnscope tune --spec base.yaml --space space.yaml --data mnist --limit 6000 \
      --epochs 3 --trials 16 --algorithm asha --seed 1 --out studies/lr
  cnnscope tune --resume studies/lr

space.yaml maps dotted spec paths to distributions:
  compile.learning_rate: {loguniform: [1e-5, 1e-1]}
  compile.optimizer: {choice: [adam, sgd]}
  compile.momentum: {uniform: [0.0, 0.95]}
  fit.batch_size: {choice: [16, 32, 64]}
  model.layers[3].units: {int: [16, 128]}   # a base spec with its layers written out

Each trial is a 'cnnscope train --stop-on critical' run in STUDY/trials/NNN
(report, diagnose, doctor open it). asha and hyperband compare val_loss at
epochs 1, 3, 9, ... (reduction factor 3, grace period 1 epoch; --grace 1/3:
at 1/3 epoch on the running training loss, then 1, 3, ...) and stop the
trials outside the best third. --epochs is the most a trial trains;
--parallel K gives each trial --threads (default: the cores split K ways).

--executor slurm submits the trials as one Slurm job array (sbatch --array,
task id = trial id, at most --parallel tasks at once, each 'cnnscope tune
--slurm-task STUDY --trial N' training into STUDY/trials/NNN), follows them
with squeue and cancels pruned ones with scancel. STUDY and the cnnscope
binary must be on a filesystem the nodes share; --threads N asks Slurm for
N cpus per task (--cpus-per-task). A stopped tuner leaves the
tasks running; --resume follows them again. Under Slurm a trial waiting at
a rung trains on (jobs cannot be paused): the same decisions, more epochs.
  cnnscope tune --spec base.yaml --space space.yaml --trials 32 --parallel 8 \
      --executor slurm --slurm-args "--partition=cpu --time=1:00:00" --threads 4 --out studies/lr
`

func runTune(args []string, stdout, stderr io.Writer) int {
	const synopsis = "tune --spec BASE.yaml --space SPACE.yaml [train's flags] --trials N --algorithm random|asha|hyperband --out STUDY_DIR | tune --resume STUDY_DIR"
	fs := newFlagSet("tune", synopsis, tuneExamples, stderr)
	var f trainFlags
	f.register(fs)
	fs.Usage = usageOmitting(fs, synopsis, tuneExamples, trainOnlyFlags...)
	for name, usage := range map[string]string{
		"out":     "study directory (new or empty): study.json, trials/NNN run directories, trials.csv, best.yaml, study.html",
		"seed":    "random seed of the sampling and of every trial's training",
		"epochs":  "the most epochs a trial trains (asha/hyperband stop most trials earlier)",
		"threads": "cores each trial uses (default: all, or split between --parallel trials)",
	} {
		if fl := fs.Lookup(name); fl != nil {
			fl.Usage = usage
		}
	}
	space := fs.String("space", "", "search space YAML: dotted spec path -> {uniform|loguniform|int|choice: [...]}")
	trials := fs.Int("trials", 10, "number of trials")
	algorithm := fs.String("algorithm", "asha", "random, asha or hyperband")
	parallel := fs.Int("parallel", 1, "trials run at once")
	grace := fs.String("grace", "1", "ASHA's grace period, the first rung, in epochs (the issue's default 1: rungs at epochs 1, 3, 9, ...); a fraction such as 1/3 puts rungs inside an epoch (1/3, 1, 3, ...), where trials are compared on their running training loss (no validation inside an epoch) and log step metrics every 5 steps")
	sampler := fs.String("sampler", tune.LHSSampler, "how the trials' parameters are drawn: lhs (Latin hypercube: each parameter's range cut into --trials strata, one trial in each), random (independent draws) or tpe (Optuna's TPE: 10 random trials, then each drawn from the results of the trials before it)")
	resume := fs.String("resume", "", "continue the study in this directory")
	noDiag := fs.Bool("no-diagnosis-pruning", false, "run trials with --stop-on none (to measure what pruning by diagnosis saves)")
	executor := fs.String("executor", "local", "local (child processes) or slurm (sbatch --array: one task per trial; the study directory and cnnscope on a filesystem the nodes share)")
	slurmArgs := fs.String("slurm-args", "", "sbatch options for every trial, split at spaces, e.g. \"--partition=cpu --time=2:00:00 --cpus-per-task=4\"")
	slurmTask := fs.String("slurm-task", "", "run one trial of this study (what each Slurm array task runs; see --trial)")
	trialID := fs.Int("trial", 0, "the trial --slurm-task runs")
	err := parseFlags(fs, args)
	if err == nil && *slurmTask != "" {
		return runSlurmTask(*slurmTask, *trialID, stdout, stderr)
	}
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if err == nil {
		err = refuseTrainOnly(fs)
	}
	var study *tune.Study
	var base *spec.Spec
	switch {
	case err != nil:
	case *resume != "":
		n := 0
		fs.Visit(func(*flag.Flag) { n++ })
		if n > 1 {
			err = usagef("--resume takes no other flags: the study keeps its settings in %s", tune.StudyFile)
		} else if study, base, err = tune.Open(*resume); err != nil {
			err = usageError{err.Error()}
		}
	default:
		var g float64
		if g, err = tune.ParseGrace(*grace); err != nil {
			err = usageError{err.Error()}
			break
		}
		o := tune.Options{Grace: g, Trials: *trials, Algorithm: *algorithm, Sampler: *sampler, Parallel: *parallel, Seed: f.seed, Threads: trialThreads(f.threads, *parallel),
			NoDiagnosisPruning: *noDiag, Executor: *executor, SlurmArgs: strings.Fields(*slurmArgs)}
		if *executor == tune.Slurm {
			o.Threads = f.threads // the nodes' cores are not this machine's
		}
		study, base, err = newStudy(fs, &f, *space, o, stdout)
	}
	if err == nil {
		var release func()
		if release, err = tune.Lock(study.Dir()); err == nil {
			err = runStudy(study, base, stdout)
			release()
		} else {
			err = usageError{err.Error()}
		}
	}
	return exitCode(stderr, "tune", err)
}

// runSlurmTask runs one trial of a study as a Slurm array task: train
// (or resume) in this process, output to the trial's log, then its
// exit status in trials/NNN.exit; the task exits with that status.
func runSlurmTask(dir string, id int, stdout, stderr io.Writer) int {
	code, err := tune.RunTask(dir, id, func(args []string, out, errw io.Writer) int { return run(args, out, errw) })
	if err != nil {
		fmt.Fprintf(stderr, "cnnscope tune --slurm-task: %v\n", err)
		return 2
	}
	return code
}

// trainOnlyFlags are train's flags that mean nothing to a study: trials
// always run with --stop-on critical (see --no-diagnosis-pruning) into
// their own new run directories. tune refuses them and its --help omits
// them (train's "--stop-on (default none)" there contradicted the trials').
var trainOnlyFlags = []string{"stop-on", "overwrite", "dry-run", "sanity"}

// refuseTrainOnly refuses trainOnlyFlags.
func refuseTrainOnly(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(trainOnlyFlags, f.Name) {
			if err == nil {
				err = usagef("--%s is a train flag tune does not take (trials run with --stop-on critical into new run directories)", f.Name)
			}
		}
	})
	return err
}

// trialThreads is each trial's --threads: the flag's value, else with
// --parallel K the cores split K ways (0: the child's default, all).
func trialThreads(threads, parallel int) int {
	if threads > 0 || parallel <= 1 {
		return threads
	}
	return max(1, runtime.NumCPU()/parallel)
}

// newStudy checks everything and creates the study directory.
func newStudy(fs *flag.FlagSet, f *trainFlags, spacePath string, o tune.Options, stdout io.Writer) (*tune.Study, *spec.Spec, error) {
	if f.out == "" {
		return nil, nil, usagef("--out STUDY_DIR is required (or --resume STUDY_DIR)")
	}
	if spacePath == "" {
		return nil, nil, usagef("--space SPACE.yaml is required")
	}
	if err := o.Check(); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if o.Executor == tune.Slurm {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return nil, nil, usagef("--executor slurm: sbatch not found in PATH (run the tuner where jobs can be submitted)")
		}
	}
	base, err := f.toSpec(fs)
	if err != nil {
		return nil, nil, err
	}
	base.Defaults()
	space, err := tune.LoadSpace(spacePath, base)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	s, err := tune.Create(f.out, base, space, o)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	printBudget(stdout, s, base)
	return s, base, nil
}

// printBudget says up front how many trials, the most epochs, and an
// estimate of the time from a 2-second bench of the base model.
func printBudget(w io.Writer, s *tune.Study, base *spec.Spec) {
	n := len(s.Trials)
	fmt.Fprintf(w, "Study %s: %d trials, %s, at most %d epochs each (%d epochs in all at most)\n", s.Dir(), n, s.Algorithm, s.MaxEpochs, n*s.MaxEpochs)
	if est, ok := estimate(s, base); ok {
		fmt.Fprintf(w, "Estimated time: at most %s (%s; loading the data in each trial not included)\n", est.total.Round(time.Second), est.how)
	} else {
		fmt.Fprintln(w, "Estimated time: unknown (the bench measures presets on the built-in 28x28 data sets only)")
	}
}

type budget struct {
	total time.Duration
	how   string
}

// estimate is every trial trained to max epochs at the bench's speed:
// training images at its training rate, validation each epoch and the
// final test evaluation at its inference rate, K trials at a time.
func estimate(s *tune.Study, base *spec.Spec) (budget, bool) {
	builtin := base.Data.Source == "mnist" || base.Data.Source == "fashion-mnist"
	if base.Model.Preset == "" || !builtin {
		return budget{}, false
	}
	trainRate, inferRate, ok := benchRates(base, s.Threads)
	if !ok {
		return budget{}, false
	}
	images := 60000.0
	if base.Data.Limit > 0 {
		images = float64(base.Data.Limit)
	}
	val := images * *base.Data.ValidationSplit
	epoch := (images-val)/trainRate + val/inferRate
	trial := epoch*float64(s.MaxEpochs) + 10000/inferRate
	total := trial * float64(len(s.Trials)) / float64(s.Parallel)
	return budget{time.Duration(total * float64(time.Second)),
		fmt.Sprintf("bench: %.0f training, %.0f inference samples/s: %.1fs per epoch, %.0fs per trial", trainRate, inferRate, epoch, trial)}, true
}

// benchRates runs `cnnscope bench` for 2 seconds on the base model.
func benchRates(base *spec.Spec, threads int) (trainRate, inferRate float64, ok bool) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, false
	}
	out, err := exec.Command(exe, "bench", "--model", base.Model.Preset, "--batch", strconv.Itoa(base.Fit.BatchSize), "--seconds", "2", "--json", "--threads", strconv.Itoa(threads)).Output()
	if err != nil {
		return 0, 0, false
	}
	var r struct {
		Train float64 `json:"train_samples_per_s"`
		Infer float64 `json:"infer_samples_per_s"`
	}
	if json.Unmarshal(out, &r) != nil || r.Train <= 0 || r.Infer <= 0 {
		return 0, 0, false
	}
	return r.Train, r.Infer, true
}

// runStudy runs the trials (Ctrl-C stops them resumably), then writes
// trials.csv and best.yaml and prints the table and what was spent.
func runStudy(s *tune.Study, base *spec.Spec, stdout io.Writer) error {
	ctx, stop := interruptContext()
	defer stop()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(s.Dir())
	if err != nil {
		return err
	}
	r := &tune.Runner{Study: s, Log: stdout, Command: func(args ...string) *exec.Cmd { return exec.Command(exe, args...) },
		SlurmTask: []string{exe, "tune", "--slurm-task", dir, "--trial"}}
	err = r.Run(ctx)
	var bad *tune.InputError
	if errors.As(err, &bad) {
		return usageError{bad.Error()}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("stopped; continue with: cnnscope tune --resume %s", s.Dir())
	}
	if err != nil {
		return err
	}
	if err := s.WriteResults(base); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	s.WriteTable(stdout)
	fmt.Fprintf(stdout, "\n%s in %s; results: %s/%s, best spec: %s/%s\n",
		spentLine(s), (time.Duration(s.Seconds) * time.Second).Round(time.Second), s.Dir(), tune.TrialsCSV, s.Dir(), tune.BestFile)
	return nil
}

// spentLine says the epochs the trials trained, every step counted (a
// trial stopped inside an epoch trained part of it), against every trial
// trained to the end, and the whole epochs of the history rows.
func spentLine(s *tune.Study) string {
	e, exact := s.StepEpochs()
	most := len(s.Trials) * s.MaxEpochs
	about := ""
	if !exact {
		about = "about " // a run that recorded no steps counts its history rows
	}
	return fmt.Sprintf("Spent: %s%.2f epochs = the sum over trials of steps run / steps per epoch (%.3f of the %d of all trials trained to the end); %d whole epochs (history.csv rows)",
		about, e, e/float64(most), most, s.EpochsSpent)
}
