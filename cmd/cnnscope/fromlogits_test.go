package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/onnx"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// fromLogitsSpec is a small CNN whose last Dense is linear, compiled with
// from_logits as a Keras user writes
// SparseCategoricalCrossentropy(from_logits=True).
const fromLogitsSpec = `seed: 3
data: {source: %DATA%, test: %TEST%, validation_split: 0.25}
model:
  layers:
    - {type: Conv2D, filters: 4, kernel_size: 3, activation: relu}
    - {type: MaxPooling2D, pool_size: 4}
    - {type: Flatten}
    - {type: Dense, units: 3}
compile: {loss: sparse_categorical_crossentropy, from_logits: true}
fit: {epochs: 2, batch_size: 8}
`

// TestFromLogitsEndToEnd: a run compiled with from_logits records it in
// spec.yaml and model.json; evaluate on the test folder computes the
// run's own test loss (evaluation.json) from the model file, predict's
// probabilities over all classes sum to 1, and export appends the softmax
// and says so.
func TestFromLogitsEndToEnd(t *testing.T) {
	dataDir, testDir := rgbFolder(t, 3, 8), rgbFolder(t, 3, 3)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "spec.yaml")
	src := strings.NewReplacer("%DATA%", dataDir, "%TEST%", testDir).Replace(fromLogitsSpec)
	if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if code, stdout, stderr := runCLI("train", "--spec", specPath, "--out", out); code != 0 {
		t.Fatalf("train exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, train.SpecFile)); !strings.Contains(string(b), "from_logits: true") {
		t.Errorf("the run's spec.yaml lacks from_logits:\n%s", b)
	}
	_, mf, err := modelfile.Load(out)
	if err != nil || !mf.FromLogits {
		t.Fatalf("model file: from_logits %v (%v)", mf != nil && mf.FromLogits, err)
	}

	var ev train.EvaluationFileContent
	if b, err := os.ReadFile(filepath.Join(out, "evaluation.json")); err != nil || json.Unmarshal(b, &ev) != nil || ev.Test == nil {
		t.Fatalf("evaluation.json: %v\n%s", err, b)
	}
	code, stdout, stderr := runCLI("evaluate", out, "--data", testDir, "--json")
	var got struct {
		Loss    float64 `json:"loss"`
		Samples int     `json:"samples"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil {
		t.Fatalf("evaluate exit %d: %s %s", code, stdout, stderr)
	}
	if want := float64(ev.Test.Loss); got.Samples != 9 || math.Abs(got.Loss-want) > 1e-6*max(1, want) {
		t.Errorf("evaluate: loss %v on %d images, the run's test loss %v on %d", got.Loss, got.Samples, want, ev.Test.Samples)
	}

	code, stdout, stderr = runCLI("predict", out, testDir, "--format", "json", "--top-k", "3")
	var preds []struct {
		File string `json:"file"`
		Top  []struct {
			Probability float64 `json:"probability"`
		} `json:"top"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &preds) != nil || len(preds) != 9 {
		t.Fatalf("predict exit %d: %s %s", code, stdout, stderr)
	}
	for _, p := range preds {
		var sum float64
		for _, c := range p.Top {
			if !(c.Probability >= 0 && c.Probability <= 1) {
				t.Errorf("%s: probability %v", p.File, c.Probability)
			}
			sum += c.Probability
		}
		if len(p.Top) != 3 || math.Abs(sum-1) > 1e-5 {
			t.Errorf("%s: %d classes, probabilities sum to %v", p.File, len(p.Top), sum)
		}
	}

	code, stdout, stderr = runCLI("export", out)
	if code != 0 || !strings.Contains(stdout, "output: probabilities") {
		t.Errorf("export exit %d: %q %q", code, stdout, stderr)
	}
}

// TestFromLogitsSurvivesKillAndResume: a from_logits run killed with
// SIGKILL after its first epoch and resumed trains on with the loss from
// logits (its weights end as the uninterrupted run's) and its model file
// still says from_logits.
func TestFromLogitsSurvivesKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small runs")
	}
	dataDir := rgbFolder(t, 3, 40)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "spec.yaml")
	src := strings.NewReplacer("%DATA%", dataDir, "test: %TEST%, ", "", "filters: 4", "filters: 16", "pool_size: 4", "pool_size: 2", "epochs: 2", "epochs: 3").Replace(fromLogitsSpec)
	if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	whole, killed := filepath.Join(dir, "whole"), filepath.Join(dir, "killed")
	if b, err := child(t, "train", "--spec", specPath, "--out", whole).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, b)
	}
	killAfter(t, child(t, "train", "--spec", specPath, "--out", killed), killed, `"epoch":1,`)
	if b, err := child(t, "resume", killed).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if _, mf, err := modelfile.Load(killed); err != nil || !mf.FromLogits {
		t.Errorf("resumed model file: %+v, %v; want from_logits", mf, err)
	}
	a := modelWithoutRunID(t, filepath.Join(whole, modelfile.WeightsFile))
	b := modelWithoutRunID(t, filepath.Join(killed, modelfile.WeightsFile))
	if !bytes.Equal(a, b) {
		t.Errorf("the resumed from_logits run ends with other weights than the uninterrupted one")
	}
}

// TestFromLogitsDiagnosis: the live check before step 1 understands
// from_logits. The same linear-output model is healthy with from_logits
// (no output_loss_mismatch; the initial loss is the loss from logits,
// near ln 3) and critical without it, with compile.from_logits offered
// as a fix beside the softmax.
func TestFromLogitsDiagnosis(t *testing.T) {
	dataDir := rgbFolder(t, 3, 8)
	dir := t.TempDir()
	for _, fromLogits := range []bool{true, false} {
		src := strings.NewReplacer("%DATA%", dataDir, "test: %TEST%, ", "", "epochs: 2", "epochs: 1").Replace(fromLogitsSpec)
		if !fromLogits {
			src = strings.Replace(src, ", from_logits: true", "", 1)
		}
		specPath := filepath.Join(dir, fmt.Sprintf("spec-%v.yaml", fromLogits))
		out := filepath.Join(dir, fmt.Sprintf("run-%v", fromLogits))
		if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, stderr := runCLI("train", "--spec", specPath, "--out", out); code != 0 {
			t.Fatalf("train exit %d:\n%s\n%s", code, stdout, stderr)
		}
		var d diagnose.Diagnosis
		if b, err := os.ReadFile(filepath.Join(out, "diagnosis.json")); err != nil || json.Unmarshal(b, &d) != nil {
			t.Fatalf("diagnosis.json: %v", err)
		}
		var mismatch *diagnose.Finding
		for i := range d.Findings {
			if d.Findings[i].ID == "output_loss_mismatch" {
				mismatch = &d.Findings[i]
			}
		}
		if d.Facts == nil || d.Facts.Init == nil {
			t.Fatalf("from_logits %v: no initial loss in diagnosis.json", fromLogits)
		}
		l0 := float64(d.Facts.Init.Loss)
		switch {
		case fromLogits && mismatch != nil:
			t.Errorf("linear output with from_logits: %s %q", mismatch.Severity, mismatch.Title)
		case fromLogits && !(l0 > 0.5*math.Log(3) && l0 < 2*math.Log(3)):
			t.Errorf("from_logits: initial loss %v, want the loss from logits near ln 3", l0)
		case !fromLogits && (mismatch == nil || mismatch.Severity != diagnose.Critical || !slices.ContainsFunc(mismatch.Fixes, func(f string) bool {
			return strings.HasPrefix(f, "set compile.from_logits: true")
		})):
			t.Errorf("linear output without from_logits: %+v, want critical offering compile.from_logits", mismatch)
		}
	}
}

// TestImportRecordsLogits: an ONNX classifier without a softmax at the
// end (as PyTorch exports them) imports as a model from logits, so that
// predict reports probabilities; one ending in a softmax does not.
func TestImportRecordsLogits(t *testing.T) {
	for _, head := range []string{"", "softmax"} {
		m := nn.NewSequential(tensor.Shape{16, 24, 1}, &nn.Conv2D{Filters: 3, KernelSize: [2]int{3, 3}},
			&nn.GlobalAveragePooling2D{}, &nn.Dropout{Rate: 0.2})
		if head != "" {
			m = nn.NewSequential(tensor.Shape{16, 24, 1}, &nn.Flatten{}, &nn.Dense{Units: 3}, &nn.Activation{Function: head})
		}
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] *= 20 // logits well outside [0, 1]
			}
		}
		file := filepath.Join(t.TempDir(), "m.onnx")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := onnx.Export(f, m, onnx.ExportOptions{Classes: []string{"a", "b", "c"}, Preprocess: &data.Preprocess{Rescale: 1.0 / 255}}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out := filepath.Join(t.TempDir(), "imported")
		code, stdout, stderr := runCLI("import", file, "--out", out)
		if code != 0 {
			t.Fatalf("import: exit %d: %s", code, stderr)
		}
		_, mf, err := modelfile.Load(out)
		if err != nil || mf.FromLogits != (head == "") || strings.Contains(stdout, "logits") != (head == "") {
			t.Errorf("head %q: from_logits %v (%v), stdout %q", head, mf != nil && mf.FromLogits, err, stdout)
		}
		img := filepath.Join(t.TempDir(), "x.png")
		if err := os.WriteFile(img, messy.PNG(messy.Gray(24, 16, 3)), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr = runCLI("predict", out, img, "--format", "json", "--top-k", "3")
		var preds []struct {
			Top []struct {
				Probability float64 `json:"probability"`
			} `json:"top"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &preds) != nil || len(preds) != 1 {
			t.Fatalf("predict exit %d: %s %s", code, stdout, stderr)
		}
		var sum float64
		for _, c := range preds[0].Top {
			sum += c.Probability
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("head %q: predict's probabilities sum to %v: %+v", head, sum, preds[0].Top)
		}
	}
}
