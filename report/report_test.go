package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The report of a small real run has every section, with the run's
// numbers, and refers to nothing outside the file.
func TestReportOfRealRun(t *testing.T) {
	dir, res := tinyRun(t)
	// As train writes it (with what it holds in memory) and as the
	// report command writes it (loading everything back).
	var fromTrain, fromDisk bytes.Buffer
	now := time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)
	if err := Render(t.Context(), &fromTrain, dir, Inputs{Data: res.Data, Model: res.Model, Duration: res.Duration, Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := Render(t.Context(), &fromDisk, dir, Inputs{Now: now}); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]string{"from train": fromTrain.String(), "from disk": fromDisk.String()} {
		checkReport(t, name, b)
	}
	path, err := WriteRun(t.Context(), dir, Inputs{})
	if err != nil || path != filepath.Join(dir, ReportFile) {
		t.Fatalf("WriteRun: %v %v", path, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func checkReport(t *testing.T, name, h string) {
	t.Helper()
	for _, want := range []string{
		`<span class="badge warn">learning with problems</span>`,
		"Overfitting since epoch 2", "val_loss rose from 0.5 to 0.6 &lt;b&gt;not bold&lt;/b&gt;", // escaped
		`id="model-table"`, "conv2d (Conv2D)", "(None, 26, 26, 32)", "93,322",
		`id="class-counts"`, "270 training, 30 validation, 10,000 test images of 28×28×1, 10 classes",
		`id="chart-loss"`, `id="chart-accuracy"`, `id="chart-lr"`, `id="chart-gradients"`, `id="chart-update-ratio"`,
		`id="chart-dead"`, `id="chart-saturated"`, `id="chart-confusion"`, `id="per-class"`,
		`data-series="overfitting from epoch 2"`, `data-series="lr ×0.5"`,
		"Confusion matrix (validation, 30 images)", "Highest-loss validation images", `id="augmented"`,
		`<code>data.augmentation.rotation_range</code>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("%s: report lacks %q", name, want)
		}
	}
	if n := strings.Count(h, `<img src="data:image/png;base64,`); n != 24+4*8 {
		t.Errorf("%s: %d embedded images, want 24 highest-loss and 4 rows of 8 augmented", name, n)
	}
	checkSelfContained(t, name, h)
}

var refRE = regexp.MustCompile(`(?i)\b(src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"|url\(|@import|<script|<link|<iframe|<object|<embed`)

// checkSelfContained fails on any reference that could load something:
// only data: URIs and in-page anchors are allowed.
func checkSelfContained(t *testing.T, name, h string) {
	t.Helper()
	for _, m := range refRE.FindAllStringSubmatch(h, -1) {
		if m[1] != "" && (strings.HasPrefix(m[2], "data:") || strings.HasPrefix(m[2], "#")) {
			continue
		}
		t.Errorf("%s: external reference %q", name, m[0])
	}
	if !strings.Contains(h, `Content-Security-Policy" content="default-src 'none'`) {
		t.Errorf("%s: no content security policy", name)
	}
}

// A run in progress (no model yet) and one without data still report.
func TestReportOfPartialRun(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV,
		"spec.yaml": "seed: 1\ndata:\n  source: /nonexistent/images\nfit:\n  epochs: 9\n"})
	var b bytes.Buffer
	if err := Render(t.Context(), &b, dir, Inputs{}); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{"missing model.json", "data not available", "No diagnosis.json", `id="chart-loss"`, "5 of 9"} {
		if !strings.Contains(h, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	checkSelfContained(t, "partial", h)
	if _, err := LoadRun(filepath.Join(dir, "nope")); err == nil {
		t.Error("LoadRun of a missing directory succeeded")
	}
	bad := writeRun(t, map[string]string{"diagnosis.json": "{"})
	if _, err := LoadRun(bad); err == nil || !strings.Contains(err.Error(), DiagnosisFile) {
		t.Errorf("bad diagnosis.json: %v", err)
	}
}

func TestCompare(t *testing.T) {
	a := writeRun(t, map[string]string{"history.csv": historyCSV, "spec.yaml": "seed: 1\ndata:\n  source: mnist\ncompile:\n  optimizer: adam\n",
		"diagnosis.json": `{"verdict":"not learning","summary":"s","findings":[{"id":"lr_too_high","severity":"critical","title":"LR too high"}]}`})
	b := writeRun(t, map[string]string{"history.csv": strings.ReplaceAll(historyCSV, "0.001\n", "0.0005\n"),
		"spec.yaml": "seed: 2\ndata:\n  source: mnist\ncompile:\n  optimizer: adam\n"})
	var out bytes.Buffer
	if err := Compare(&out, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	h := out.String()
	na, nb := filepath.Base(a), filepath.Base(b)
	if na == nb {
		na, nb = a, b
	}
	for _, want := range []string{`id="final-metrics"`, `id="chart-compare-loss"`, `id="chart-compare-accuracy"`, `id="chart-compare-lr"`,
		`data-series="` + na + ` validation"`, `data-series="` + nb + ` train"`,
		"<td><code>seed</code></td><td><code>1</code></td><td><code>2</code></td>", "LR too high", "not learning", "No diagnosis.json in this run",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
	checkSelfContained(t, "compare", h)
	if err := Compare(&out, []string{a, t.TempDir()}); err == nil {
		t.Error("compared a folder without history.csv")
	}
}
