package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/diagnose/faults"
)

func TestDoctorUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"doctor", "a", "b"}, {"doctor", "--fixes", "0"}, {"doctor", dir, "--lr", "0.1"}, {"doctor", "--sanity"}} {
		if code, _, stderr := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI("doctor", dir); code != 2 || !strings.Contains(stderr, "not a run directory") {
		t.Errorf("empty dir: exit %d, stderr %q", code, stderr)
	}
}

// A run whose learning rate is far too high: doctor reproduces the
// problem in a short run, and lowering the rate (the first fix) restores
// learning while clipping (the second) does not.
func TestDoctorLRTooHighRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a few small models")
	}
	root := t.TempDir()
	src := filepath.Join(root, "shapes")
	if err := (faults.Data{Source: "shapes", Classes: []string{"circle", "square", "cross", "triangle"}, PerClass: 250}).Write(src, 1); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(root, "run")
	if code, _, stderr := runCLI("train", "--data", src, "--lr", "0.5", "--epochs", "2", "--out", run); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCLI("doctor", run, "--fixes", "2", "--json")
	if code != 0 {
		t.Fatalf("doctor: exit %d: %s", code, stderr)
	}
	var rep diagnose.DoctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Finding == nil || rep.Finding.ID != "lr_too_high" || rep.Baseline.Outcome != "reproduced" || len(rep.Trials) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if t1 := rep.Trials[0]; t1.Outcome != "restored" || t1.Edits != "compile.learning_rate: 0.001" || rep.Best != 0 {
		t.Errorf("fix 1 %+v, best %d", t1, rep.Best)
	}
	if t2 := rep.Trials[1]; t2.Restored || !strings.Contains(t2.Edits, "clipnorm") {
		t.Errorf("fix 2 %+v", t2)
	}
	// The text form shows them side by side.
	code, text, _ := runCLI("doctor", run, "--fixes", "1")
	if code != 0 || !strings.Contains(text, "as is") || !strings.Contains(text, "fix 1") || !strings.Contains(text, "Best: fix 1 restored learning") {
		t.Errorf("text:\n%s", text)
	}
}
