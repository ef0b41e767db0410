package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/report"
	"github.com/cnnscope/cnnscope/rundir"
)

// A run --stop-on critical stops (here a network that dies near step 50
// of 84 in epoch 1; the monitor confirms it once it has held a quarter
// epoch, at an analysis whose cadence follows the measured step and
// analysis times, so under load that may come only in epoch 2: three
// epochs, and the stop comes before the last ends) exits 1 and leaves a whole
// run directory: diagnosis.json, the report, and run.json saying the
// diagnosis stopped it. resume does not train it again: it exits 1 and
// says why and how to continue it anyway.
func TestStopOnCriticalLeavesAWholeRunAndResumeSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, out, stderr := runCLI("train", "--data", "mnist", "--limit", "6000", "--epochs", "3", "--batch", "64",
		"--lr", "0.13653", "--seed", "1", "--threads", "1", "--stop-on", "critical", "--out", dir)
	if code != 1 || !strings.Contains(stderr, "stopped on a critical finding") {
		t.Fatalf("train: exit %d, want 1 on a critical finding:\n%s\n%s", code, stderr, out)
	}
	for _, f := range []string{diagnose.DiagnosisFile, report.ReportFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the stopped run has no %s: %v", f, err)
		}
	}
	in, err := rundir.ReadInfo(dir)
	if err != nil || in.State != rundir.Stopped || in.StoppedBy != rundir.StoppedByCallback ||
		!strings.Contains(in.Message, "stopped on a critical finding") || in.Ended == nil {
		t.Fatalf("run.json: %+v, %v; want stopped by the diagnosis", in, err)
	}
	code, _, stderr = runCLI("resume", dir)
	if code != 1 {
		t.Errorf("resume of a run the diagnosis stopped: exit %d, want 1", code)
	}
	oneLine(t, "resume", stderr, "the diagnosis stopped this run", "stopped on a critical finding",
		"cnnscope resume --stop-on none "+dir)
	if in2, _ := rundir.ReadInfo(dir); in2 == nil || in2.State != rundir.Stopped {
		t.Errorf("resume changed run.json: %+v", in2)
	}
}

// resume --stop-on continues a run the diagnosis stopped and keeps the
// new setting in run.json; a bad value is a usage error.
func TestResumeStopOnContinuesAStoppedRun(t *testing.T) {
	needMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := runCLI("train", "--data", "mnist", "--limit", "300", "--epochs", "1", "--stop-on", "critical", "--out", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	// As the diagnosis leaves a run it stopped at the end of its epoch.
	in, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	in.State, in.StoppedBy, in.Message = rundir.Stopped, rundir.StoppedByCallback, "stopped on a critical finding: test"
	if err := rundir.WriteInfo(dir, in); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("resume", "--stop-on", "warning", dir); code != 2 {
		t.Errorf("resume --stop-on warning: exit %d, want 2: %s", code, stderr)
	}
	if code, _, stderr := runCLI("resume", "--stop-on", "none", dir); code != 0 {
		t.Fatalf("resume --stop-on none: exit %d: %s", code, stderr)
	}
	in, err = rundir.ReadInfo(dir)
	if err != nil || in.State != rundir.Finished || in.StoppedBy != "" || in.Options["stop_on"] != "none" {
		t.Errorf("run.json after resume --stop-on none: %+v, %v", in, err)
	}
}
