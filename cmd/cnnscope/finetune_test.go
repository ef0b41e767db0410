package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// fineTunePre is a small pre-trained model with BatchNormalization and
// Dropout (moving and random state) for the fine-tune tests.
const fineTunePre = `seed: 3
data: {source: mnist, limit: 600}
model:
  layers:
    - {type: Conv2D, filters: 8, kernel_size: 3, activation: relu}
    - {type: BatchNormalization}
    - {type: MaxPooling2D}
    - {type: Dropout, rate: 0.25}
    - {type: Flatten}
    - {type: Dense, units: 10, activation: softmax}
fit: {epochs: 1}
`

// A fine-tune killed with SIGKILL in its first stage and again in its
// second, and resumed each time, ends with exactly the weights of an
// uninterrupted fine-tune: the checkpoint carries the stage and the
// frozen set.
func TestKilledFineTuneResumesBitIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small runs")
	}
	needMNIST(t)
	base := t.TempDir()
	specPath := filepath.Join(base, "pre.yaml")
	if err := os.WriteFile(specPath, []byte(fineTunePre), 0o644); err != nil {
		t.Fatal(err)
	}
	pre := filepath.Join(base, "pre")
	if out, err := child(t, "train", "--spec", specPath, "--out", pre).CombinedOutput(); err != nil {
		t.Fatalf("pre-training: %v\n%s", err, out)
	}
	args := []string{"train", "--data", "mnist", "--limit", "3000", "--epochs", "4", "--seed", "7", "--rotation-range", "10",
		"--from", pre, "--freeze", "base", "--new-head", "--unfreeze-at", "2"}
	whole := filepath.Join(base, "whole")
	out, err := child(t, append(args, "--out", whole)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Fine-tune stage 2 from epoch 3") {
		t.Fatalf("uninterrupted fine-tune: %v\n%s", err, out)
	}
	killed := filepath.Join(base, "killed")
	killAfter(t, child(t, append(args, "--out", killed)...), killed, `"epoch":1,`)
	killAfter(t, child(t, "resume", killed), killed, `"stage":2`)
	if b, err := child(t, "resume", killed).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	a := modelWithoutRunID(t, filepath.Join(whole, modelfile.WeightsFile))
	b := modelWithoutRunID(t, filepath.Join(killed, modelfile.WeightsFile))
	if !bytes.Equal(a, b) {
		t.Errorf("the fine-tune killed twice and resumed ends with other weights than the uninterrupted one")
	}
	if in, err := rundir.ReadInfo(killed); err != nil || in.State != rundir.Finished {
		t.Errorf("resumed run's run.json: %+v, %v", in, err)
	}
}

// killAfter starts cmd and kills it with SIGKILL as soon as dir's last
// checkpoint's state holds want: in the epoch after that checkpoint.
func killAfter(t *testing.T, cmd *exec.Cmd, dir, want string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(dir, train.CheckpointsDir, train.LastCheckpoint)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if f, err := safetensors.ReadFile(last); err == nil && strings.Contains(f.Metadata["state"], want) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint with %s after 3 minutes:\n%s", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, modelfile.WeightsFile)); err == nil {
		t.Fatalf("the run finished before the kill; the test needs longer epochs:\n%s", out.String())
	}
}

// train --dry-run resolves a fine-tune as a run does: the model's
// preprocessing, the frozen layers, a new head when asked; it creates
// nothing.
func TestDryRunFineTune(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	m := nn.NewSequential(tensor.Shape{28, 28, 1}, &nn.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}}, &nn.Flatten{}, &nn.Dense{Units: 10, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	if err := modelfile.Save(dir, m, classes, &data.Preprocess{Rescale: 0.5}, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	code, out, errText := runCLI("train", "--dry-run", "--data", "mnist", "--limit", "100", "--from", dir, "--freeze", "base", "--new-head")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	for _, want := range []string{"Fine-tune: preprocessing from the pre-trained model: rescale 0.5", "rescale: 0.5",
		"Fine-tune: a new head for the data's 10 classes", "Trainable params: 13,530", "Non-trainable params: 20 ", "Dry run: nothing was created."} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run's output lacks %q:\n%s", want, out)
		}
	}
	// summary --spec builds the same model (the pre-trained preprocessing
	// and classes: no new head, the base frozen).
	specPath := filepath.Join(t.TempDir(), "ft.yaml")
	os.WriteFile(specPath, []byte("data: {source: mnist, limit: 100}\nmodel: {from: "+dir+", freeze: base}\n"), 0o644)
	code, out, errText = runCLI("summary", "--spec", specPath)
	if code != 0 || !strings.Contains(out, "Trainable params: 13,530") || !strings.Contains(out, "Non-trainable params: 20 ") {
		t.Errorf("summary --spec of a fine-tune: exit %d, %s\n%s", code, errText, out)
	}
}
