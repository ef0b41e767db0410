package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// TestInterruptedTrainSaysSo: Ctrl-C (SIGINT) during train stops the run
// (exit 1, run.json stopped by an interrupt) with a message naming the
// signal and the resume command; it read "training stopped at epoch 9
// step 95: context canceled".
func TestInterruptedTrainSaysSo(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := child(t, "train", "--data", "mnist", "--limit", "3000", "--epochs", "50", "--threads", "1", "--out", dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(dir, train.CheckpointsDir, train.LastCheckpoint)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(last); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no checkpoint after 2 minutes:\n%s", out.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1:\n%s", err, out.String())
	}
	s := out.String()
	if !strings.Contains(s, "interrupted (SIGINT); continue with: cnnscope resume "+dir) || strings.Contains(s, "context canceled") {
		t.Errorf("output does not say interrupted (SIGINT) and how to resume:\n%s", s)
	}
	if in, err := rundir.ReadInfo(dir); err != nil || in.State != rundir.Stopped || in.StoppedBy != rundir.StoppedByInterrupt {
		t.Errorf("run.json %+v, %v: want stopped by an interrupt", in, err)
	}
}
