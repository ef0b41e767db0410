package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// TestRunWithoutModelSaysWhatToRun: predict (and evaluate, export,
// summary) on a run directory without model.safetensors say why (the
// run's state), where its best epoch's model is and what to run: resume
// for an interrupted run, nothing but waiting for one still training. It
// said only 'open DIR/model.safetensors: no such file or directory'.
func TestRunWithoutModelSaysWhatToRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	imgs := rgbFolder(t, 2, 4)
	if code, _, errs := runCLI("train", "--data", imgs, "--epochs", "1", "--batch", "4", "--out", dir); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, errs)
	}
	for _, f := range []string{modelfile.WeightsFile, modelfile.ConfigFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	in, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	in.State, in.StoppedBy, in.Message, in.Ended = rundir.Stopped, rundir.StoppedByInterrupt, "interrupted", nil
	if err := rundir.WriteInfo(dir, in); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(imgs, "classa", "a.png")
	best := filepath.Join(dir, train.CheckpointsDir, "best")
	for _, args := range [][]string{{"predict", dir, img}, {"evaluate", dir}, {"export", dir, "--format", "onnx"}, {"summary", dir}} {
		code, out, errs := runCLI(args...)
		if code != 2 || out != "" {
			t.Errorf("%s of a run without a model: exit %d, stdout %q; want 2 and nothing", args[0], code, out)
		}
		oneLine(t, args[0], errs, dir+" has no saved model", "stopped before its last epoch (interrupted)",
			"cnnscope "+args[0]+" "+best, "cnnscope resume "+dir+" continues the run")
	}

	in.State, in.StoppedBy, in.Message = rundir.Training, "", ""
	if err := rundir.WriteInfo(dir, in); err != nil {
		t.Fatal(err)
	}
	held, err := rundir.Open(dir) // a run still training holds run.lock
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, errs := runCLI("predict", dir, img)
	if code != 2 || strings.Contains(errs, "resume") {
		t.Errorf("predict of a run still training: exit %d, stderr %q; want 2 and no resume", code, errs)
	}
	oneLine(t, "predict", errs, "still training", "its model is saved when it ends", best)
}
