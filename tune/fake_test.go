package tune

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// The test binary stands in for cnnscope: with TUNE_TEST_HELPER=trainer
// it is a fake `cnnscope train|resume` (deterministic val_loss from the
// spec, one history.csv row per epoch, a critical diagnosis for
// learning rates >= 1, run.lock held; TUNE_TEST_EPOCH_MS sets its epoch's
// time), with =tuner a tuner running the study in its argument (for the
// SIGKILL test), with =slurmtask a Slurm array task (RunTask) running it. The variable is the
// usual Go helper-process switch of tests, not a knob of cnnscope.
func TestMain(m *testing.M) {
	switch os.Getenv("TUNE_TEST_HELPER") {
	case "trainer":
		os.Exit(fakeTrainer(os.Args[1:]))
	case "tuner":
		os.Exit(fakeTuner(os.Args[1]))
	case "slurmtask":
		os.Exit(fakeSlurmTask(os.Args[1], os.Args[2]))
	case "slurmrun":
		os.Exit(fakeSlurmRun(os.Args[1], os.Args[2]))
	}
	os.Exit(m.Run())
}

func helperCommand(mode string) func(args ...string) *exec.Cmd {
	return func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TUNE_TEST_HELPER="+mode)
		return cmd
	}
}

func fakeTrainer(args []string) int {
	var specPath, dir string
	switch {
	case len(args) >= 5 && args[0] == "train":
		specPath, dir = args[2], args[4]
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 2
		}
	case len(args) == 2 && args[0] == "resume":
		dir = args[1]
		specPath = filepath.Join(dir, "spec.yaml")
	default:
		fmt.Fprintln(os.Stderr, "fake trainer: bad args", args)
		return 2
	}
	lock, err := os.OpenFile(filepath.Join(dir, "run.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil || syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		fmt.Fprintln(os.Stderr, "fake trainer: run is locked")
		return 2
	}
	sp, err := spec.Load(specPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if sp.Data.Source == "/nonexistent" {
		fmt.Fprintln(os.Stderr, "cnnscope train: data.source \"/nonexistent\": not a folder")
		return 2
	}
	if args[0] == "train" {
		b, _ := sp.Marshal()
		// Atomically, as train writes it: a kill must not leave it empty.
		os.WriteFile(filepath.Join(dir, "spec.yaml.tmp"), b, 0o644)
		os.Rename(filepath.Join(dir, "spec.yaml.tmp"), filepath.Join(dir, "spec.yaml"))
	}
	hist := filepath.Join(dir, train.HistoryFile)
	old, _ := os.ReadFile(hist)
	if i := bytes.LastIndexByte(old, '\n'); i >= 0 {
		old = old[:i+1] // a row cut by a kill is written again
	} else {
		old = []byte("epoch,loss,accuracy,val_loss,val_accuracy\n")
	}
	os.WriteFile(hist, old, 0o644)
	done := bytes.Count(old, []byte("\n")) - 1
	lr := sp.Compile.LearningRate
	critical := args[0] == "resume" || slices.Contains(args, "critical")
	if lr >= 1 && !critical {
		// Without the diagnosis the run goes on until the loss is NaN.
		f, _ := os.OpenFile(hist, os.O_APPEND|os.O_WRONLY, 0o644)
		fmt.Fprintf(f, "%d,NaN,0.1,NaN,0.1\n", done+1)
		return 1
	}
	if lr >= 1 {
		time.Sleep(20 * time.Millisecond)
		os.WriteFile(filepath.Join(dir, "diagnosis.json"), []byte(`{"verdict":"not learning","findings":[{"id":"diverging","severity":"critical","title":"Loss diverges","epoch":1,"step":3}]}`), 0o644)
		return 1
	}
	f, _ := os.OpenFile(hist, os.O_APPEND|os.O_WRONLY, 0o644)
	epoch := 15 * time.Millisecond
	if ms, err := strconv.Atoi(os.Getenv("TUNE_TEST_EPOCH_MS")); err == nil {
		epoch = time.Duration(ms) * time.Millisecond
	}
	// With step metrics every 5 steps or fewer (a study with rungs inside
	// an epoch) it writes metrics.jsonl: fakeStepsPerEpoch steps an
	// epoch, the running loss at step k |log10(lr)+3| + S/k + batch/1000,
	// which is val_loss at each epoch end.
	var metrics *os.File
	if sp.Fit.MetricsEvery > 0 && sp.Fit.MetricsEvery <= inEpochMetricsEvery {
		metrics, _ = os.OpenFile(filepath.Join(dir, train.MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	}
	for e := done + 1; e <= sp.Fit.Epochs; e++ {
		for b := 1; b <= fakeStepsPerEpoch; b++ {
			time.Sleep(epoch / fakeStepsPerEpoch)
			k := (e-1)*fakeStepsPerEpoch + b
			if metrics != nil && (k == 1 || k%sp.Fit.MetricsEvery == 0) {
				running := math.Abs(math.Log10(lr)+3) + float64(fakeStepsPerEpoch)/float64(k) + float64(sp.Fit.BatchSize)/1000
				fmt.Fprintf(metrics, `{"type":"step","epoch":%d,"step":%d,"running_loss":%g}`+"\n", e, k, running)
			}
		}
		loss := math.Abs(math.Log10(lr)+3) + 1/float64(e) + float64(sp.Fit.BatchSize)/1000
		fmt.Fprintf(f, "%d,%g,0.5,%g,%g\n", e, loss, loss, 1/(1+loss))
	}
	return 0
}

// fakeStepsPerEpoch is the fake trainer's steps per epoch.
const fakeStepsPerEpoch = 12

func fakeStepsPer(*spec.Spec) (int, error) { return fakeStepsPerEpoch, nil }

// fakeSlurmTask is a Slurm array task of the study in dir running the
// fake trainer.
func fakeSlurmTask(dir, id string) int {
	n, err := strconv.Atoi(id)
	if err != nil {
		return 2
	}
	code, err := RunTask(dir, n, func(args []string, _, _ io.Writer) int { return fakeTrainer(args) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return code
}

// fakeSlurmRun is a Slurm array task that runs the fake trainer
// without RunTask: it writes no exit file.
func fakeSlurmRun(dir, id string) int {
	s, err := LoadStudy(dir)
	n, err2 := strconv.Atoi(id)
	if err != nil || err2 != nil {
		return 2
	}
	args, err := s.trialArgs(s.Trials[n-1])
	if err != nil {
		return 2
	}
	return fakeTrainer(args)
}

func fakeTuner(dir string) int {
	s, _, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	r := &Runner{Study: s, Command: helperCommand("trainer"), Poll: 5 * time.Millisecond}
	if err := r.Run(t0ctx()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
