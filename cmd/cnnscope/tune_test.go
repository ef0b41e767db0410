package main

import (
	"bytes"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tune"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTuneRefusesBadSpaceBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"compile.learnig_rate: {loguniform: [1e-5, 1e-1]}\n": "compile.learnig_rate",
		"compile.learning_rate: {loguniform: [0, 1]}\n":      "want 0 < low",
		"fit.batch_size: {choice: [0, 16]}\n":                "fit.batch_size",
	}
	for in, want := range cases {
		space := filepath.Join(dir, "space.yaml")
		os.WriteFile(space, []byte(in), 0o644)
		out := filepath.Join(dir, "study")
		var stdout, stderr bytes.Buffer
		code := run([]string{"tune", "--space", space, "--data", "mnist", "--trials", "2", "--out", out}, &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code != 2 || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line with %q", in, code, msg, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the study directory was created", in)
		}
	}
}

func TestTuneRefusesBadGrace(t *testing.T) {
	dir := t.TempDir()
	space := filepath.Join(dir, "space.yaml")
	os.WriteFile(space, []byte("compile.learning_rate: {loguniform: [1e-5, 1e-1]}\n"), 0o644)
	for _, g := range []string{"0", "-1/3", "third"} {
		out := filepath.Join(dir, "study")
		var stdout, stderr bytes.Buffer
		code := run([]string{"tune", "--space", space, "--data", "mnist", "--trials", "2", "--grace", g, "--out", out}, &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code != 2 || !strings.Contains(msg, "--grace") || strings.Contains(msg, "\n") {
			t.Errorf("--grace %s: exit %d, stderr %q; want 2 and one line naming --grace", g, code, msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--grace %s: the study directory was created", g)
		}
	}
}

func TestTuneResumeTakesNoOtherFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"tune", "--resume", t.TempDir(), "--trials", "3"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--resume takes no other flags") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	code = run([]string{"tune", "--space", "s.yaml", "--out", t.TempDir(), "--overwrite"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--overwrite is a train flag tune does not take") {
		t.Errorf("--overwrite: exit %d, stderr %q", code, stderr.String())
	}
	code = run([]string{"tune", "--resume", t.TempDir()}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("resume of a directory without a study: exit %d, want 2", code)
	}
}

// A tiny real study: trials with learning rate 5 are stopped by the
// diagnosis in their first epoch, the others train; best.yaml reruns.
// 1,000 images (28 steps an epoch at batch 32): the diagnosis stops a
// trial at lr 5 after a few steps (7 in tune/EVALUATION.md's study), well
// inside epoch 1; with 200 images (6 steps an epoch) that stop raced
// ASHA's decision at the epoch-1 rung and lost 1 run in 2.
func TestTuneStudyPrunesByDiagnosis(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a few tiny runs")
	}
	needMNIST(t)
	dir := t.TempDir()
	space := filepath.Join(dir, "space.yaml")
	os.WriteFile(space, []byte("compile.learning_rate: {choice: [0.001, 5.0]}\n"), 0o644)
	study := filepath.Join(dir, "study")
	out, err := child(t, "tune", "--space", space, "--data", "mnist", "--limit", "1000", "--epochs", "2", "--batch", "32",
		"--trials", "3", "--algorithm", "asha", "--seed", "2", "--out", study).CombinedOutput()
	if err != nil {
		t.Fatalf("tune: %v\n%s", err, out)
	}
	s, err := tune.LoadStudy(study)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]int{}
	for _, tr := range s.Trials {
		lr := tr.Params["compile.learning_rate"].(float64)
		seen[lr]++
		if lr == 5 && (tr.Status != tune.Pruned || !strings.HasPrefix(tr.Reason, "diagnosis: ") || len(tr.ValLoss) > 1) {
			t.Errorf("trial %d (lr 5): %s %q after %d epochs; want pruned by the diagnosis in epoch 1", tr.ID, tr.Status, tr.Reason, len(tr.ValLoss))
		}
		if lr != 5 && tr.Status == tune.Failed {
			t.Errorf("trial %d (lr %g) failed: %s", tr.ID, lr, tr.Reason)
		}
		if _, err := os.Stat(filepath.Join(s.RunDir(tr.ID), "run.json")); err != nil {
			t.Errorf("trial %d has no run directory: %v", tr.ID, err)
		}
	}
	if seen[5] == 0 || seen[0.001] == 0 {
		t.Fatalf("seed 2 should draw both rates: %v", seen)
	}
	best, err := spec.Load(filepath.Join(study, tune.BestFile))
	if err != nil || best.Compile.LearningRate != 0.001 || best.Data.Limit != 1000 {
		t.Errorf("best.yaml: %v %+v", err, best)
	}
	for _, want := range []string{"Study ", "at most 2 epochs each", "trial ", "Spent: "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// tune --help lists train's flags except those tune refuses: its trials
// run with --stop-on critical, so train's "--stop-on (default none)" there
// contradicted both the trials and the README.
func TestTuneHelpOmitsRefusedTrainFlags(t *testing.T) {
	code, stdout, stderr := runCLI("tune", "--help")
	if code != 0 {
		t.Fatalf("tune --help: exit %d: %s", code, stderr)
	}
	for _, name := range trainOnlyFlags {
		if strings.Contains(stdout, "  -"+name+" ") || strings.Contains(stdout, "  -"+name+"\n") {
			t.Errorf("tune --help lists -%s, which tune refuses:\n%s", name, stdout)
		}
	}
	for _, want := range []string{"  -no-diagnosis-pruning\n", "  -lr float", "  -epochs int", "'cnnscope train --stop-on critical'"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("tune --help lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, `(default "adam")`) {
		t.Errorf("tune --help lost train's defaults:\n%s", stdout)
	}
}
