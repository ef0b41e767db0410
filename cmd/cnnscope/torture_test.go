//go:build linux

package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// tortureMaxRSSMiB bounds each command's peak memory on the mutated
// folder: the pixel limit (64 MP) lets one image claim 256 MB of RGBA
// per decoding goroutine, so a few times that is still bounded.
const tortureMaxRSSMiB = 2048

// TestTortureMutatedImages sends 1,000 header-mutated PNG, JPEG, GIF and
// BMP files (seeded: the same files every run), with 40 good images among
// them, through predict, data inspect and a one-epoch train, each in its
// own process: no panic, no fatal error, an exit code of 0 or 2, every
// file accounted for, and a bounded peak resident set.
func TestTortureMutatedImages(t *testing.T) {
	if testing.Short() {
		t.Skip("torture test: 1,000 images through three commands")
	}
	dir := t.TempDir()
	folder := filepath.Join(dir, "images")
	seeds := messy.Seeds()
	exts := []string{"bmp", "gif", "jpg", "png"}
	r := rand.New(rand.NewPCG(9, 29))
	write := func(class, name string, b []byte) {
		p := filepath.Join(folder, class, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		ext := exts[i%len(exts)]
		write(fmt.Sprintf("c%d", i%5), fmt.Sprintf("m%04d.%s", i, ext), messy.Mutate(seeds[ext], ext, r))
	}
	for i := range 40 {
		write(fmt.Sprintf("c%d", i%5), fmt.Sprintf("good%02d.png", i), messy.PNG(messy.Gray(24, 16, i)))
	}
	model := testmodel.TinyCNN(t)
	runs := []struct {
		name string
		args []string
	}{
		{"predict", []string{"predict", model, folder, "--format", "csv"}},
		{"data inspect", []string{"data", "inspect", folder, "--near-distance", "-1"}},
		{"train", []string{"train", "--data", folder, "--epochs", "1", "--limit", "150", "--target-size", "32,32",
			"--color-mode", "grayscale", "--out", filepath.Join(dir, "run")}},
	}
	for _, run := range runs {
		cmd := child(t, run.args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		st := cmd.ProcessState
		rss := st.SysUsage().(*syscall.Rusage).Maxrss / 1024
		t.Logf("%s: exit %d, %.1f s user, peak RSS %d MiB; last output line: %s", run.name, st.ExitCode(), st.UserTime().Seconds(), rss, lastLine(out.String()))
		for _, bad := range []string{"panic:", "fatal error:", "goroutine "} {
			if strings.Contains(errb.String(), bad) || strings.Contains(out.String(), bad) {
				t.Errorf("%s: output holds %q:\n%s", run.name, bad, tail(errb.String()))
			}
		}
		if code := st.ExitCode(); code != 0 && code != 2 {
			t.Errorf("%s: exit %d, want 0 or 2:\n%s", run.name, code, tail(errb.String()))
		}
		if rss > tortureMaxRSSMiB {
			t.Errorf("%s: peak RSS %d MiB, want at most %d", run.name, rss, tortureMaxRSSMiB)
		}
		if run.name == "train" && !strings.Contains(out.String(), "Epoch 1/1") {
			t.Errorf("train did not train:\n%s\n%s", tail(out.String()), tail(errb.String()))
		}
		if run.name == "predict" {
			checkTorturePredictions(t, out.String(), errb.String())
		}
	}
}

// checkTorturePredictions: a row per file, the good images predicted, a
// stderr line per error row.
func checkTorturePredictions(t *testing.T, out, errs string) {
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 1+1040 {
		t.Fatalf("predict: %d rows (%v), want a header and 1040", len(rows), err)
	}
	bad, recovered := 0, 0
	for _, row := range rows[1:] {
		switch {
		case row[4] != "":
			bad++
			if strings.Contains(row[4], "decoder failed on malformed data") {
				recovered++
			}
		case row[1] == "":
			t.Errorf("row without class or error: %q", row)
		}
		if strings.Contains(row[0], "good") && row[4] != "" {
			t.Errorf("good image not predicted: %q", row)
		}
	}
	// A line per bad file, at most one warning per kind of mismatch
	// (resized or not, times three modes), the closing line.
	if lines := strings.Count(errs, "\n"); lines < bad+1 || lines > bad+7 {
		t.Errorf("predict: %d error rows but %d stderr lines:\n%s", bad, lines, tail(errs))
	}
	t.Logf("predict: %d of 1040 images unreadable (%d by a decoder panic turned into an error)", bad, recovered)
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}
