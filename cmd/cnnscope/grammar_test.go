package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// TestHelpVersionAndFlagErrors: --help and help CMD print the usage on
// stdout with exit 0; a bad flag is the error, a did-you-mean and where
// the help is, not the whole usage.
func TestHelpVersionAndFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"help", "train"}, {"train", "--help"}, {"evaluate", "x", "--help"}, {"help", "data"}} {
		code, out, errs := runCLI(args...)
		if code != 0 || !strings.Contains(out, "Usage: cnnscope") || errs != "" {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, code, len(out), errs)
		}
	}
	if code, out, _ := runCLI("--version"); code != 0 || !strings.HasPrefix(out, "cnnscope ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	code, out, errs := runCLI("train", "--epoch", "3")
	want := "cnnscope train: flag provided but not defined: --epoch\nDid you mean --epochs? Run 'cnnscope train --help' for usage.\n"
	if code != 2 || out != "" || errs != want {
		t.Errorf("bad flag: exit %d, stderr %q, want %q", code, errs, want)
	}
	if code, _, errs := runCLI("trian"); code != 2 || !strings.Contains(errs, `Did you mean "train"?`) {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
	// A value the flag's type cannot take says what it takes, not the
	// flag package's "parse error".
	for _, c := range [][3]string{
		{"--seed", "-5", "want a whole number, 0 or more"}, {"--epochs", "abc", "want a whole number"},
		{"--lr", "fast", "want a number"},
	} {
		code, _, errs := runCLI("train", c[0], c[1])
		if want := fmt.Sprintf("cnnscope train: invalid value %q for flag %s: %s\n", c[1], c[0], c[2]); code != 2 || !strings.HasPrefix(errs, want) {
			t.Errorf("train %s %s: exit %d, stderr %q, want exit 2 and %q", c[0], c[1], code, errs, want)
		}
	}
}

// TestDryRunCreatesNothing: train --dry-run prints the resolved spec, the
// summary and the memory estimate and creates no run directory; flags
// after a positional argument and --val-split as an alias work.
func TestDryRunCreatesNothing(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	code, stdout, errs := runCLI("train", "--dry-run", "--val-split", "0.2", "--epochs", "2", "--out", out, "--threads", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"validation_split: 0.2", "epochs: 2", "Total params: 93,322", "Memory to train (adam, batch 32): about", "nothing was created"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("--dry-run created the run directory")
	}
}

// TestSummaryOfSpecAndRunDir: summary reads a spec (on given shape and
// classes) and a saved model's folder, and prints the memory estimate.
func TestSummaryOfSpecAndRunDir(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(spec, []byte("model:\n  layers:\n    - {type: Flatten}\n    - {type: Dense, units: 3, activation: softmax}\nfit:\n  batch_size: 8\n"), 0o644)
	code, out, errs := runCLI("summary", "--spec", spec, "--input", "4,4,1", "--classes", "3")
	if code != 0 || !strings.Contains(out, "Total params: 51") || !strings.Contains(out, "batch 8") {
		t.Errorf("summary --spec: exit %d, %s%s", code, out, errs)
	}
	dir := testmodel.TinyCNN(t)
	code, out, errs = runCLI("summary", dir, "--batch", "4")
	if code != 0 || !strings.Contains(out, "conv2d (Conv2D)") || !strings.Contains(out, "batch 4") {
		t.Errorf("summary RUN_DIR: exit %d, %s%s", code, out, errs)
	}
}

// TestResumeThreadsAndPresetHelp: resume takes --threads as train does
// (a negative count is exit 2 before the run directory is read), and
// train's --model help names every preset.
func TestResumeThreadsAndPresetHelp(t *testing.T) {
	if code, out, _ := runCLI("resume", "--help"); code != 0 || !strings.Contains(out, "-threads") {
		t.Errorf("resume --help: exit %d, no --threads in:\n%s", code, out)
	}
	if code, _, errs := runCLI("resume", "--threads", "-1", filepath.Join(t.TempDir(), "none")); code != 2 || !strings.Contains(errs, "--threads -1") {
		t.Errorf("resume --threads -1: exit %d, %q", code, errs)
	}
	_, out, _ := runCLI("train", "--help")
	for _, p := range []string{"resnet-20", "mobilenet-v2-small", "vgg-small"} {
		if !strings.Contains(out, p) {
			t.Errorf("train --help does not name the preset %s", p)
		}
	}
}

// TestOneLineErrors: a multi-line error (strict's list of bad files) is
// one line without ":;" or runs of spaces.
func TestOneLineErrors(t *testing.T) {
	got := errorLine("image folder d (strict): 2 problems:\n  d/a.png: empty file\n  d/b.txt: not an image file\n")
	if want := "image folder d (strict): 2 problems: d/a.png: empty file; d/b.txt: not an image file"; got != want {
		t.Errorf("errorLine: %q, want %q", got, want)
	}
}

// TestLRFindPlotFolderCheckedFirst: lrfind --plot into a missing folder is
// exit 2 before the sweep (it swept, then failed writing the file).
func TestLRFindPlotFolderCheckedFirst(t *testing.T) {
	plot := filepath.Join(t.TempDir(), "none", "lr.svg")
	code, _, errs := runCLI("lrfind", "--data", filepath.Join(t.TempDir(), "no-data"), "--plot", plot)
	if code != 2 || !strings.Contains(errs, "--plot") {
		t.Errorf("exit %d, %q", code, errs)
	}
}
