package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/train"
)

func needMNIST(t *testing.T) {
	t.Helper()
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
}

// A run killed with SIGKILL in the middle of an epoch and resumed ends
// with exactly the weights of an uninterrupted run with the same seed.
func TestKillAndResumeGivesSameWeights(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small runs")
	}
	needMNIST(t)
	base := t.TempDir()
	// vgg-small has Dropout and BatchNormalization: random and moving state.
	args := []string{"train", "--data", "mnist", "--limit", "1500", "--epochs", "3", "--batch", "32",
		"--model", "vgg-small", "--seed", "7", "--rotation-range", "10"}
	whole := filepath.Join(base, "whole")
	if out, err := child(t, append(args, "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}

	killed := filepath.Join(base, "killed")
	killAfterCheckpoint(t, append(args, "--out", killed), 150*time.Millisecond) // into the second epoch
	if b, err := child(t, "resume", killed).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	// The two are different runs (their ids differ): every tensor and
	// the rest of the model's description must be the same.
	a := modelWithoutRunID(t, filepath.Join(whole, modelfile.WeightsFile))
	b := modelWithoutRunID(t, filepath.Join(killed, modelfile.WeightsFile))
	if !bytes.Equal(a, b) {
		t.Errorf("resumed run's weights differ from the uninterrupted run's")
	}
	if in, err := rundir.ReadInfo(killed); err != nil || in.State != rundir.Finished {
		t.Errorf("resumed run's run.json: %+v, %v", in, err)
	} else {
		sameRun(t, killed, in.RunID)
	}
}

// modelWithoutRunID returns a model file's tensors (names, types, shapes,
// bytes) and its description with the run id left out.
func modelWithoutRunID(t *testing.T, path string) []byte {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var desc modelfile.File
	if err := json.Unmarshal([]byte(f.Metadata["model"]), &desc); err != nil {
		t.Fatalf("%s: model description: %v", path, err)
	}
	desc.RunID = ""
	out, err := json.Marshal(desc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Raw {
		out = fmt.Appendf(out, "\n%s %s %v ", r.Name, r.DType, r.Shape)
		out = append(out, r.Data...)
	}
	return out
}

// A resume whose checkpoint was damaged after it was written (a flipped
// bit in a weight: safetensors has no checksum, the checkpoint carries
// one) is refused, exit 2, in one line naming the file and what to do;
// predict and evaluate refuse a damaged model file alike.
func TestDamagedCheckpointAndModelAreRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	data := rgbFolder(t, 2, 4)
	if code, _, errs := runCLI("train", "--data", data, "--epochs", "1", "--batch", "4", "--out", dir); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, errs)
	}
	in, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	in.State, in.StoppedBy, in.Message = rundir.Stopped, rundir.StoppedByInterrupt, "interrupted" // Ctrl-C after its checkpoint
	if err := rundir.WriteInfo(dir, in); err != nil {
		t.Fatal(err)
	}
	infoPath := filepath.Join(dir, rundir.InfoFile)
	before, err := os.ReadFile(infoPath)
	if err != nil {
		t.Fatal(err)
	}
	// refused: exit 2, nothing on stdout (the data's summary is printed only
	// once the checkpoint loads), run.json as it was.
	refused := func(what string, want ...string) {
		t.Helper()
		code, out, errs := runCLI("resume", dir)
		if code != 2 || out != "" {
			t.Fatalf("resume of a %s checkpoint: exit %d, want 2 and nothing on stdout; stdout:\n%s\nstderr: %s", what, code, out, errs)
		}
		oneLine(t, "resume", errs, want...)
		if strings.Contains(errs, "resume: resume:") {
			t.Errorf("resume of a %s checkpoint names the command twice: %q", what, errs)
		}
		if after, _ := os.ReadFile(infoPath); !bytes.Equal(after, before) {
			t.Errorf("resume of a %s checkpoint rewrote run.json:\n%s\nwas:\n%s", what, after, before)
		}
	}
	flipLastWeightBit := func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-4] ^= 1 // lowest mantissa bit of the last float32
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ckpt := filepath.Join(dir, train.CheckpointsDir, train.LastCheckpoint)
	good, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	flipLastWeightBit(ckpt)
	refused("damaged", ckpt, "checksum mismatch", "move "+ckpt+" away to resume from epoch 1")
	if err := os.WriteFile(ckpt, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	refused("truncated", ckpt, "move "+ckpt+" away to resume from epoch 1")

	flipLastWeightBit(filepath.Join(dir, modelfile.WeightsFile))
	img := filepath.Join(data, "classa", "a.png")
	for _, args := range [][]string{{"predict", dir, img}, {"evaluate", dir, "--data", data}} {
		code, _, errs := runCLI(args...)
		if code != 2 {
			t.Errorf("%s of a damaged model: exit %d, want 2\n%s", args[0], code, errs)
		}
		oneLine(t, args[0], errs, filepath.Join(dir, modelfile.WeightsFile), "checksum mismatch", "backup or train again")
	}
}

// killAfterCheckpoint starts cnnscope with args (the last one the run
// directory) in a child process and kills it with SIGKILL wait after its
// first checkpoint exists; it fails if the run finished before.
func killAfterCheckpoint(t *testing.T, args []string, wait time.Duration) {
	t.Helper()
	dir := args[len(args)-1]
	cmd, out := startUntilCheckpoint(t, dir, args...)
	time.Sleep(wait)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, modelfile.WeightsFile)); err == nil {
		t.Fatalf("the run finished before the kill; the test needs longer epochs:\n%s", out.String())
	}
}

// startUntilCheckpoint starts cnnscope with args in a child process whose
// run directory is dir and returns once the run's first checkpoint exists,
// with the child's output so far (and to come) in out; after 2 minutes
// without one it kills the child and fails.
func startUntilCheckpoint(t *testing.T, dir string, args ...string) (cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	cmd, out = child(t, args...), new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(dir, train.CheckpointsDir, train.LastCheckpoint)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(last); err == nil {
			return cmd, out
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no checkpoint after 2 minutes:\n%s", out.String())
		}
	}
}

// TestResumeThreadsFromRunJSON: a run.json whose options.threads is not a
// count of 1 or more is bad input (exit 2) naming the field.
func TestResumeThreadsFromRunJSON(t *testing.T) {
	for _, v := range []string{"zero", "0", "-2", "1.5"} {
		dir := t.TempDir()
		info := &rundir.Info{RunID: "r", State: rundir.Training, Options: map[string]string{"threads": v}}
		if err := rundir.WriteInfo(dir, info); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI("resume", dir)
		if code != 2 || !strings.Contains(errs, "options.threads") {
			t.Errorf("threads %q: exit %d, %q; want exit 2 naming options.threads", v, code, errs)
		}
	}
}
