package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
)

func TestLRFindUsage(t *testing.T) {
	for _, args := range [][]string{{"lrfind", "--epochs", "3"}, {"lrfind", "--out", "x"}, {"lrfind", "--plot", "x.png"}, {"lrfind", "extra"},
		{"lrfind", "--start-lr", "1", "--end-lr", "0.1", "--data", t.TempDir()}} {
		code, _, stderr := runCLI(args...)
		if code != 2 || strings.Count(strings.TrimSpace(lastErrorLines(stderr)), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// Adam on the basic CNN: the range test suggests a rate between 1e-4 and
// 1e-2 (Keras' default is 1e-3), and draws the curve.
func TestLRFindSuggestsAdamRate(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	if _, _, err := data.FindBuiltin("mnist", "train"); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	svg := filepath.Join(t.TempDir(), "lr.svg")
	code, out, stderr := runCLI("lrfind", "--data", "mnist", "--limit", "8000", "--plot", svg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "Suggested learning rate for adam") || !strings.Contains(out, "learning rate (log scale)") {
		t.Errorf("output:\n%s", out)
	}
	// Two averages, two names: the stop rule watches the exponential
	// moving average, the curve and "Lowest smoothed loss" are the centred
	// one (both once called "smoothed", their lows read as contradictory).
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Stopped after") && (strings.Contains(line, "smoothed") || !strings.Contains(line, "exponential moving average")) {
			t.Errorf("the stop line does not name the exponential moving average: %q", line)
		}
		if strings.HasPrefix(line, "Lowest smoothed loss") && !strings.Contains(line, "centred moving average") {
			t.Errorf("the lowest-loss line does not name the centred moving average: %q", line)
		}
	}
	if !strings.Contains(out, "Stopped after") || !strings.Contains(out, "Lowest smoothed loss") {
		t.Errorf("output lacks the stop line or the lowest-loss line:\n%s", out)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "suggested") {
		t.Errorf("svg: %v", err)
	}
	code, js, stderr := runCLI("lrfind", "--data", "mnist", "--limit", "8000", "--json")
	var r struct {
		Suggested float64   `json:"suggested_lr"`
		LR        []float64 `json:"lr"`
	}
	if code != 0 || json.Unmarshal([]byte(js), &r) != nil {
		t.Fatalf("--json: exit %d %s", code, stderr)
	}
	if r.Suggested < 1e-4 || r.Suggested > 1e-2 {
		t.Errorf("suggested %g for Adam on the basic CNN, want 1e-4..1e-2", r.Suggested)
	}
	t.Logf("suggested %g after %d steps", r.Suggested, len(r.LR))
}
