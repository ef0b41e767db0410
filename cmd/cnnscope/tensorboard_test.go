package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/tfevents/readback"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// TestTrainTensorBoard: train --tensorboard writes train/ and
// validation/ event files whose epoch scalars are history.csv's values,
// and keeps the setting in spec.yaml.
func TestTrainTensorBoard(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	run, tb := filepath.Join(dir, "run"), filepath.Join(dir, "tb")
	code, _, stderr := runCLI("train", "--data", "mnist", "--limit", "100", "--epochs", "2", "--batch", "10", "--val-split", "0.2",
		"--out", run, "--tensorboard", tb)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(run, train.HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	column := func(name string) []float32 {
		var vs []float32
		for j, h := range rows[0] {
			for _, r := range rows[1:] {
				if h == name {
					v, _ := strconv.ParseFloat(r[j], 64)
					vs = append(vs, float32(v))
				}
			}
		}
		return vs
	}
	for sub, want := range map[string]map[string][]float32{
		"train":      {"epoch_loss": column("loss"), "epoch_accuracy": column("accuracy"), "epoch_learning_rate": column("lr")},
		"validation": {"epoch_loss": column("val_loss"), "epoch_accuracy": column("val_accuracy")},
	} {
		got := epochScalars(t, filepath.Join(tb, sub))
		for tag, vs := range want {
			if len(vs) != 2 || !slices.Equal(got[tag], vs) {
				t.Errorf("%s/%s: %v, history.csv has %v", sub, tag, got[tag], vs)
			}
		}
	}
	s, err := spec.Load(filepath.Join(run, train.SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	if tbs := s.Fit.TensorBoard; tbs == nil || tbs.LogDir != tb || tbs.UpdateFreq != "50" || *tbs.HistogramFreq != 1 {
		t.Errorf("spec.yaml's fit.tensorboard: %+v", tbs)
	}
}

// epochScalars reads the one event file in dir: the epoch_ scalars by
// tag, in step order.
func epochScalars(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("%s: event files %v, want one", dir, files)
	}
	events, err := readback.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]float32{}
	for _, e := range events {
		for _, v := range e.Values {
			if v.HasScalar && strings.HasPrefix(v.Tag, "epoch_") && int(e.Step) == len(got[v.Tag]) {
				got[v.Tag] = append(got[v.Tag], v.Scalar)
			}
		}
	}
	return got
}
