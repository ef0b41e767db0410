package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/data"
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
	cmd := child(t, append(args, "--out", killed)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(killed, train.CheckpointsDir, train.LastCheckpoint)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(last); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint after 2 minutes:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // into the second epoch
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, train.ModelWeightsFile)); err == nil {
		t.Fatalf("the run finished before the kill; the test needs longer epochs:\n%s", out.String())
	}
	if b, err := child(t, "resume", killed).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	a, err := os.ReadFile(filepath.Join(whole, train.ModelWeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(killed, train.ModelWeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("resumed run's weights differ from the uninterrupted run's")
	}
}
