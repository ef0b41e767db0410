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

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/safetensors"
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
