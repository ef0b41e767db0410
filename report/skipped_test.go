package report

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// TestReportShowsSkippedFiles: the data section names the files the
// run's data load skipped (count, kinds, the first few, the command that
// lists them all): from run.json's record when the data cannot be loaded
// any more, from the data itself when it can; a damaged run.json is an
// error naming it.
func TestReportShowsSkippedFiles(t *testing.T) {
	rec := rundir.SkippedFiles{Source: "/nonexistent/my images", Count: 8, Kinds: "unreadable: 7; not an image file: 1 (.txt 1)"}
	for i := range 5 {
		rec.First = append(rec.First, rundir.SkippedFile{Path: fmt.Sprintf("/nonexistent/my images/a/bad%d.png", i), Reason: "unreadable: unexpected EOF"})
	}
	dir := writeRun(t, map[string]string{"spec.yaml": "seed: 1\ndata:\n  source: /nonexistent/my images\n"})
	if err := rundir.WriteInfo(dir, &rundir.Info{RunID: "r1", State: rundir.Finished, Started: time.Now(), Skipped: []rundir.SkippedFiles{rec}}); err != nil {
		t.Fatal(err)
	}
	h := render(t, dir, Inputs{})
	for _, want := range []string{"Skipped 8 file(s) in /nonexistent/my images", rec.Kinds, rec.First[0].Path + ": unreadable", rec.First[4].Path,
		"... and 3 more: <code>cnnscope data inspect '/nonexistent/my images'</code> lists them all"} {
		if !strings.Contains(h, want) {
			t.Errorf("report from run.json lacks %q", want)
		}
	}

	src := t.TempDir()
	for c, class := range []string{"a", "b"} {
		for i := range 3 {
			p := filepath.Join(src, class, fmt.Sprintf("%d.png", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, messy.PNG(messy.Gray(8, 8, 10*c+i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(src, "b", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	prep, err := train.PrepareData(spec.Data{Source: src}, 1)
	if err != nil {
		t.Fatal(err)
	}
	live := writeRun(t, map[string]string{"spec.yaml": "seed: 1\ndata:\n  source: " + src + "\n"})
	h = render(t, live, Inputs{Data: prep})
	if want := "Skipped 1 file(s) in " + src; !strings.Contains(h, want) || !strings.Contains(h, filepath.Join(src, "b", "broken.png")+": ") || strings.Contains(h, "more:") {
		t.Errorf("report from the data lacks %q and the file, or lists more", want)
	}
	if h = render(t, writeRun(t, map[string]string{}), Inputs{}); strings.Contains(h, "class=\"skipped\"") {
		t.Error("a run without skipped files shows a notice")
	}

	bad := writeRun(t, map[string]string{rundir.InfoFile: "{"})
	if _, err := LoadRun(bad); err == nil || !strings.Contains(err.Error(), rundir.InfoFile) {
		t.Errorf("bad run.json: %v", err)
	}
}

func render(t *testing.T, dir string, in Inputs) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(t.Context(), &b, dir, in); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(b.String())
}
