package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cnnscope/cnnscope/rundir"
)

// TestInterruptedTrainSaysSo: Ctrl-C (SIGINT) during train stops the run
// (exit 1, run.json stopped by an interrupt) with a message naming the
// signal and the resume command; it read "training stopped at epoch 9
// step 95: context canceled".
func TestInterruptedTrainSaysSo(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd, out := startUntilCheckpoint(t, dir, "train", "--data", "mnist", "--limit", "3000", "--epochs", "50", "--threads", "1", "--out", dir)
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
