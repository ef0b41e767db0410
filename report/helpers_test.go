package report

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

var (
	tinyOnce sync.Once
	tinyDir  string
	tinyRes  *train.RunResult
	tinyErr  error
	tmpRoot  string
)

func TestMain(m *testing.M) {
	var err error
	if tmpRoot, err = os.MkdirTemp("", "report-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// tinySpec is a small real run: 300 MNIST images, 3 epochs, per-layer
// statistics every 2 steps, augmentation on, and one LR reduction (after
// epoch 2: the monitored lr itself does not improve).
func tinySpec() *spec.Spec {
	return &spec.Spec{Seed: 1,
		Data: spec.Data{Source: "mnist", Limit: 300,
			Augmentation: &data.Augment{RotationRange: 10, WidthShiftRange: 0.1}},
		Compile: spec.Compile{LearningRate: 0.002},
		Fit: spec.Fit{Epochs: 3, BatchSize: 32, MetricsEvery: 2,
			ReduceLROnPlateau: &spec.ReduceLROnPlateau{Monitor: "lr", Patience: 1, Factor: 0.5}}}
}

// tinyRun trains tinySpec once per test binary (skipping without MNIST)
// and writes a diagnosis.json with an overfitting finding since epoch 2.
func tinyRun(t *testing.T) (string, *train.RunResult) {
	t.Helper()
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	tinyOnce.Do(func() {
		tinyDir = filepath.Join(tmpRoot, "tiny")
		tinyRes, tinyErr = train.Run(context.Background(), tinySpec(), train.RunOptions{Dir: tinyDir, Out: io.Discard}, false)
		if tinyErr == nil {
			tinyErr = writeJSON(filepath.Join(tinyDir, DiagnosisFile), testDiagnosis())
		}
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyDir, tinyRes
}

func testDiagnosis() diagnose.Diagnosis {
	return diagnose.Diagnosis{Verdict: diagnose.LearningWithProblems, Summary: "Learning, but overfitting.",
		Epochs: 3, Steps: 27,
		Findings: []diagnose.Finding{{ID: "overfitting", Severity: diagnose.Warning, Title: "Overfitting since epoch 2",
			Evidence: []diagnose.Evidence{{Text: "val_loss rose from 0.5 to 0.6 <b>not bold</b>"}}, Since: 2,
			Causes: []string{"too few images"}, Fixes: []string{"add dropout"}}}}
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// writeRun writes synthetic run files into a new folder and returns it.
func writeRun(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var pathRE = regexp.MustCompile(`<path d="([^"]*)"[^>]*data-series="([^"]*)"`)

// seriesPaths returns each data-series' path data in an SVG, by name
// (the first path of that name).
func seriesPaths(svg string) map[string]string {
	out := map[string]string{}
	for _, m := range pathRE.FindAllStringSubmatch(svg, -1) {
		if _, ok := out[m[2]]; !ok {
			out[m[2]] = m[1]
		}
	}
	return out
}

// parsePath reads "M x y L x y ... M x y ..." into runs of points.
func parsePath(t *testing.T, d string) [][]point {
	t.Helper()
	var runs [][]point
	f := strings.Fields(d)
	for i := 0; i+1 < len(f); i += 2 {
		cmd := f[i][:1]
		x, err1 := strconv.ParseFloat(f[i][1:], 64)
		y, err2 := strconv.ParseFloat(f[i+1], 64)
		if cmd == "h" { // a lone point's tick: "h0.01" takes one field
			i--
			continue
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("path %q: field %d: %v %v", d, i, err1, err2)
		}
		if cmd == "M" {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], point{x, y})
	}
	return runs
}
