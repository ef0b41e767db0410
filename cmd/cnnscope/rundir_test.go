package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// exitOf runs cmd and returns its exit code, stdout and stderr.
func exitOf(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// oneLine fails unless s is one line holding every want.
func oneLine(t *testing.T, what, s string, want ...string) {
	t.Helper()
	if strings.Count(strings.TrimSpace(s), "\n") != 0 {
		t.Errorf("%s: want one line, got:\n%s", what, s)
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s: %q lacks %q", what, s, w)
		}
	}
}

// runIDs returns the run id of every file of dir that carries one, by
// file name.
func runIDs(t *testing.T, dir string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(dir, train.SpecFile)); err == nil {
		ids[train.SpecFile] = rundir.IDFromSpec(b)
	}
	if in, err := rundir.ReadInfo(dir); err == nil {
		ids[rundir.InfoFile] = in.RunID
	}
	for _, f := range []string{modelfile.WeightsFile, filepath.Join(train.CheckpointsDir, train.LastCheckpoint)} {
		if st, err := safetensors.ReadFile(filepath.Join(dir, f)); err == nil {
			ids[f] = st.Metadata["run_id"]
		}
	}
	for _, f := range []string{modelfile.ConfigFile, train.EvaluationFile, train.MetricsFile, diagnose.DiagnosisFile, "report.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		_, rest, ok := bytes.Cut(b, []byte(`"run_id":`))
		if f == "report.html" {
			_, rest, ok = bytes.Cut(b, []byte(`<meta name="cnnscope-run" content=`))
		}
		if !ok {
			ids[f] = ""
			continue
		}
		s := strings.TrimLeft(string(rest), ` "`)
		ids[f] = s[:strings.IndexAny(s, `"`)]
	}
	return ids
}

// sameRun fails unless every file of dir that names a run names id.
func sameRun(t *testing.T, dir, id string) {
	t.Helper()
	for f, got := range runIDs(t, dir) {
		if got != id {
			t.Errorf("%s: %s names run %q, want %q", dir, f, got, id)
		}
	}
}

// A run whose loss turns NaN in epoch 2 exits 1, saying so in one line;
// the model kept is epoch 1's; resume says it failed.
func TestNaNRunExits1AndKeepsTheLastGoodModel(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "nan")
	// Unscaled pixels and SGD at 0.01: epoch 1 ends finite, epoch 2 step 3 is NaN.
	code, _, stderr := exitOf(t, child(t, "train", "--data", "mnist", "--limit", "40", "--batch", "8", "--epochs", "3",
		"--optimizer", "sgd", "--lr", "0.01", "--rescale", "1", "--out", dir))
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	oneLine(t, "train", stderr, "the run failed: terminated on NaN", "model.safetensors holds the weights after epoch 1, the last good one")
	in, err := rundir.ReadInfo(dir)
	if err != nil || in.State != rundir.Failed {
		t.Fatalf("run.json: %+v %v", in, err)
	}
	sameRun(t, dir, in.RunID)
	_, mf, err := modelfile.Load(dir)
	if err != nil || mf.Epoch != 1 {
		t.Fatalf("kept model: %v (%+v)", err, mf)
	}
	code, _, stderr = runCLI("resume", dir)
	if code != 1 {
		t.Errorf("resume of a failed run: exit %d, want 1", code)
	}
	oneLine(t, "resume", stderr, "the run failed", "resuming would repeat it")
}

// evaluate and predict refuse a model holding NaN or ±Inf: exit 2, one
// line naming the file and the tensor.
func TestModelWithNonFiniteWeightsIsRefused(t *testing.T) {
	dir := t.TempDir()
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		if p.FullName() == "dense/kernel" {
			p.Value.Data[7] = float32(math.NaN())
		}
	}
	classes := strings.Split("0 1 2 3 4 5 6 7 8 9", " ")
	if err := modelfile.SaveFile(dir, m, modelfile.File{Classes: classes, Loss: "sparse_categorical_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(img, []byte("not read"), 0o644)
	for _, args := range [][]string{{"evaluate", dir, "--data", "mnist"}, {"predict", dir, img}} {
		code, _, stderr := runCLI(args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", args[0], code, stderr)
		}
		oneLine(t, args[0], stderr, filepath.Join(dir, modelfile.WeightsFile), "tensor dense/kernel", "NaN")
	}
}

// A second train into a directory another process is training into is
// refused at once, naming that process; the lock of a killed process is
// no lock. The run keeps --stop-on for resume.
func TestConcurrentTrainIsRefused(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	a := child(t, "train", "--data", "mnist", "--limit", "300", "--epochs", "50", "--stop-on", "critical", "--out", dir)
	var out bytes.Buffer
	a.Stdout, a.Stderr = &out, &out
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Process.Kill()
	lock := filepath.Join(dir, rundir.LockFile)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(lock); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first train never locked %s:\n%s", dir, out.String())
		}
	}
	code, _, stderr := runCLI("train", "--data", "mnist", "--limit", "300", "--epochs", "1", "--out", dir, "--overwrite")
	if code != 2 {
		t.Errorf("second train: exit %d, want 2", code)
	}
	oneLine(t, "second train", stderr, "in use by another cnnscope process (pid "+strconv.Itoa(a.Process.Pid)+")")
	code, _, stderr = runCLI("resume", dir)
	if code != 2 {
		t.Errorf("resume while training: exit %d, want 2", code)
	}
	oneLine(t, "resume while training", stderr, "pid "+strconv.Itoa(a.Process.Pid))

	a.Process.Signal(syscall.SIGKILL)
	a.Wait()
	d, err := rundir.Open(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	d.Close()
	if o, err := resumeOptions(dir); err != nil || o.StopOn != diagnose.Critical {
		t.Errorf("resume's options: %+v, %v; want stop on critical", o, err)
	}
}

// train refuses a folder of the user's own files, and a finished run
// without --overwrite; --overwrite replaces a run so that every file
// names the new run and nothing of the old one is left, even when the
// replacing train is killed.
func TestTrainOutOwnership(t *testing.T) {
	needMNIST(t)
	mine := t.TempDir()
	os.WriteFile(filepath.Join(mine, "history.csv"), []byte("my data\n"), 0o644)
	args := []string{"train", "--data", "mnist", "--limit", "100", "--epochs", "1", "--val-split", "0.2"}
	code, _, stderr := runCLI(append(args, "--out", mine, "--overwrite")...)
	if code != 2 {
		t.Errorf("train into a folder of other files: exit %d, want 2", code)
	}
	oneLine(t, "foreign folder", stderr, "is not empty and is not a cnnscope run (it holds history.csv)")
	if entries, _ := os.ReadDir(mine); len(entries) != 1 {
		t.Errorf("the user's folder now holds %d entries", len(entries))
	}

	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if code, _, stderr := runCLI(append(args, "--out", dir)...); code != 0 {
		t.Fatalf("first train: %d %s", code, stderr)
	}
	old, _ := rundir.ReadInfo(dir)
	sameRun(t, dir, old.RunID)
	code, _, stderr = runCLI(append(args, "--out", dir)...)
	if code != 2 {
		t.Errorf("train into a finished run: exit %d, want 2", code)
	}
	oneLine(t, "finished run", stderr, "already holds run "+old.RunID+" (finished)", "--overwrite")
	os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("old run's"), 0o644)

	// Killed while replacing: the directory is the old run or the new one.
	k := child(t, append(args, "--out", dir, "--overwrite")...)
	var out bytes.Buffer
	k.Stdout = &out
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "Run directory") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	k.Process.Signal(syscall.SIGKILL)
	k.Wait()
	if in, err := rundir.ReadInfo(dir); err != nil {
		t.Errorf("after a kill during --overwrite: %v", err)
	} else {
		sameRun(t, dir, in.RunID)
	}

	if code, _, stderr := runCLI(append(args, "--out", dir, "--overwrite")...); code != 0 {
		t.Fatalf("--overwrite: %d %s", code, stderr)
	}
	now, _ := rundir.ReadInfo(dir)
	if now.RunID == old.RunID || now.State != rundir.Finished {
		t.Errorf("after --overwrite run.json is %+v", now)
	}
	sameRun(t, dir, now.RunID)
	if _, err := os.Stat(filepath.Join(dir, "stale.txt")); err == nil {
		t.Error("a file of the old run survived --overwrite")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("beside the run: %v", entries)
	}
}

// report --out never replaces a file that is not a cnnscope report.
func TestReportOutRefusesNonReports(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	os.WriteFile(path, []byte(`{"format": "cnnscope.model/v1"}`), 0o644)
	code, _, stderr := runCLI("report", dir, "--out", path)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	oneLine(t, "report --out model.json", stderr, path, "not a cnnscope report")
	if b, _ := os.ReadFile(path); string(b) != `{"format": "cnnscope.model/v1"}` {
		t.Errorf("model.json became %.40q", b)
	}
}

func TestDefaultRunDirIsNew(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 11, 29, 3, 4, 5, 0, time.UTC)
	first := defaultRunDir(now)
	if first != filepath.Join("runs", "20261129-030405") {
		t.Fatalf("defaultRunDir = %s", first)
	}
	os.MkdirAll(first, 0o755)
	if second := defaultRunDir(now); second != first+"-2" {
		t.Errorf("a second run in the same second goes to %s, want %s-2", second, first)
	}
}
