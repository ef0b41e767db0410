package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/diagnose/faults"
	"github.com/cnnscope/cnnscope/train"
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
	// The text form shows them side by side, and says that the trials
	// train the 3 epochs asked for, past the spec's 2.
	code, text, _ := runCLI("doctor", run, "--fixes", "1", "--trial-epochs", "3")
	if code != 0 || !strings.Contains(text, "as is") || !strings.Contains(text, "fix 1") || !strings.Contains(text, "Best: fix 1 restored learning") ||
		!strings.Contains(text, "Note: --trial-epochs 3 is more than the spec's fit.epochs 2: the trials' specs raise fit.epochs to train 3.") {
		t.Errorf("text:\n%s", text)
	}
}

// A fix's trial that trains longer than the others says how long and
// why, and one cut short of what its fix needs says what cut it (issue
// 10: a BatchNormalization lag's "fit.epochs: 44" trial was silently
// trained for 4 epochs).
func TestDoctorSaysTrialLengths(t *testing.T) {
	f := &diagnose.Finding{ID: "batchnorm_statistics", Severity: diagnose.Warning, Title: "lag"}
	nan := train.JSONFloat(math.NaN())
	tr := func(name, length string, capped bool, outcome string) diagnose.Trial {
		return diagnose.Trial{Name: name, Fix: name + " fix", Edits: "fit.epochs: 44", Length: length, Capped: capped, Outcome: outcome,
			Loss: nan, ValLoss: nan, Accuracy: nan, ValAccuracy: nan}
	}
	rep := &diagnose.DoctorReport{Finding: f, From: "the run's diagnosis", Best: -1, Baseline: tr("as is", "", false, "reproduced"),
		Trials: []diagnose.Trial{tr("fix 1", "44 epochs: the fix needs about 390 optimizer steps to show: 44 epochs at 9 steps per epoch", false, "not fixed"),
			tr("fix 2", "50 epochs, capped by --max-trial-epochs 50: the fix needs about 3911 optimizer steps to show: 435 epochs at 9 steps per epoch, so its effect may not show", true, "not shown (trial capped)")}}
	var b strings.Builder
	writeDoctor(&b, rep, "")
	for _, want := range []string{"     trained 44 epochs: the fix needs about 390 optimizer steps", "     trained 50 epochs, capped by --max-trial-epochs 50", "not shown (trial capped)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

// The best fix's line names no `cnnscope doctor` (circular within
// doctor's output) and says where its settings are: the trial's spec with
// --out, else the command that keeps them (a stranger's doctor threw the
// fixed spec away unannounced).
func TestDoctorSaysWhereTheFixIs(t *testing.T) {
	nan := train.JSONFloat(math.NaN())
	fix := "lower the BatchNormalization momentum to 0.9 in 52 layer(s): model.preset mobilenet-v2-small has no layers in your spec to edit; `cnnscope doctor runs/mnv2` writes the preset out as layers with that change and trains it"
	rep := &diagnose.DoctorReport{Finding: &diagnose.Finding{ID: "batchnorm_statistics", Severity: diagnose.Warning}, Best: 0,
		Baseline: diagnose.Trial{Name: "as is", Outcome: "reproduced", Loss: nan, ValLoss: nan, ValAccuracy: nan},
		Trials: []diagnose.Trial{{Name: "fix 1", Fix: fix, Edits: "momentum: 0.9 (52 layers)", Outcome: "restored", Restored: true, Epochs: 10,
			Loss: nan, ValLoss: nan, ValAccuracy: 0.9}}}
	var b strings.Builder
	writeDoctor(&b, rep, rerunWithOut([]string{"runs/mnv2", "--fixes", "1"}))
	if s := b.String(); strings.Contains(s, "cnnscope doctor runs/mnv2 writes") || strings.Contains(s, "`cnnscope doctor runs/mnv2`") ||
		!strings.Contains(s, "Best: fix 1 restored learning: lower the BatchNormalization momentum to 0.9 in 52 layer(s): model.preset mobilenet-v2-small has no layers in your spec to edit\n") ||
		!strings.Contains(s, "rerun `cnnscope doctor runs/mnv2 --fixes 1 --out DIR` (they will be in DIR/fix-1/spec.yaml)") {
		t.Errorf("without --out:\n%s", s)
	}
	rep.Trials[0].Dir = filepath.Join("out dir", "fix-1")
	b.Reset()
	writeDoctor(&b, rep, "")
	if s := b.String(); !strings.Contains(s, "Its settings are in 'out dir/fix-1/spec.yaml' (the trial's, fit.epochs 10") ||
		!strings.Contains(s, "`cnnscope train --spec 'out dir/fix-1/spec.yaml' --out DIR`") {
		t.Errorf("with --out:\n%s", s)
	}
}
