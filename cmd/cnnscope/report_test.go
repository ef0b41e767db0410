package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
)

const testHistory = "epoch,loss,accuracy,val_loss,val_accuracy,lr\n1,1.5,0.5,1.2,0.6,0.001\n2,0.9,0.7,0.8,0.72,0.001\n"

// fakeRun writes a run directory with a history and a spec only.
func fakeRun(t *testing.T, seed string) string {
	t.Helper()
	dir := t.TempDir()
	for name, s := range map[string]string{"history.csv": testHistory, "spec.yaml": "seed: " + seed + "\ndata:\n  source: /nonexistent\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReportAndPlotUsageErrors(t *testing.T) {
	dir := fakeRun(t, "1")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "want one run directory"},
		{[]string{"report", dir, "--nope"}, "not defined"},
		{[]string{"plot", dir}, "--out"},
		{[]string{"plot", dir, "--what", "pie", "--out", "x.png"}, "curves, gradients, confusion, lr"},
		{[]string{"plot", dir, "--out", "x.jpg"}, ".png or .svg"},
		{[]string{"plot", "--out", "x.png"}, "want one run directory"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, _, stderr := runCLI("report", filepath.Join(dir, "missing")); code != 2 || !strings.Contains(stderr, "missing") {
		t.Errorf("report of a missing directory: exit %d, %q", code, stderr)
	}
	// A damaged file of the run is bad input (exit 2) naming it, not a failed run (exit 1).
	for name, text := range map[string]string{"diagnosis.json": `{"verdict": "`, "spec.yaml": "", "history.csv": "epoch,loss\none,2\n"} {
		bad := fakeRun(t, "3")
		os.WriteFile(filepath.Join(bad, name), []byte(text), 0o644)
		for _, args := range [][]string{{"report", bad}, {"plot", bad, "--what", "curves", "--out", filepath.Join(bad, "c.svg")}} {
			if code, _, stderr := runCLI(args...); code != 2 || !strings.Contains(stderr, filepath.Join(bad, name)) {
				t.Errorf("%s with a damaged %s: exit %d, %q; want 2 naming the file", args[0], name, code, stderr)
			}
		}
	}
}

func TestReportPlotCompareCommands(t *testing.T) {
	a, b := fakeRun(t, "1"), fakeRun(t, "2")
	code, stdout, stderr := runCLI("report", a)
	if code != 0 || !strings.Contains(stdout, filepath.Join(a, "report.html")) {
		t.Fatalf("report: exit %d, %q %q", code, stdout, stderr)
	}
	h, err := os.ReadFile(filepath.Join(a, "report.html"))
	if err != nil || !strings.Contains(string(h), `data-series="validation"`) {
		t.Errorf("report.html lacks the validation curve (%v)", err)
	}
	out := filepath.Join(t.TempDir(), "cmp.html")
	if code, _, stderr := runCLI("report", a, b, "--out", out); code != 0 {
		t.Fatalf("compare: exit %d, %q", code, stderr)
	}
	if h, err := os.ReadFile(out); err != nil || !strings.Contains(string(h), "<code>seed</code>") {
		t.Errorf("comparison lacks the differing seed (%v)", err)
	}
	for _, what := range []string{"curves", "lr"} {
		for _, ext := range []string{".svg", ".png"} {
			f := filepath.Join(t.TempDir(), what+ext)
			if code, _, stderr := runCLI("plot", a, "--what", what, "--out", f); code != 0 {
				t.Fatalf("plot %s %s: exit %d, %q", what, ext, code, stderr)
			}
			if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
				t.Errorf("plot %s: %v", f, err)
			}
		}
	}
	// The fake run has no per-layer statistics and no model: a failed run, exit 1.
	if code, _, stderr := runCLI("plot", a, "--what", "gradients", "--out", filepath.Join(t.TempDir(), "g.png")); code != 1 || !strings.Contains(stderr, "metrics.jsonl") {
		t.Errorf("gradients without metrics.jsonl: exit %d, %q", code, stderr)
	}
}

func TestTrainWritesReport(t *testing.T) {
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI("train", "--data", "mnist", "--limit", "200", "--epochs", "1", "--out", dir)
	if code != 0 {
		t.Fatalf("train: exit %d, %s", code, stderr)
	}
	if !strings.Contains(stdout, "Report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("train output does not name the report:\n%s", stdout)
	}
	h, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="chart-loss"`, `id="chart-confusion"`, "180 training, 20 validation"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
