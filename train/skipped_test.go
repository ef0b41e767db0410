package train

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/spec"
)

// TestRunRecordsSkippedFiles: the files a folder load skips are recorded
// in run.json (count, kinds, the first data.SkippedShown with why), not
// only printed on the console; a folder without skips records none.
func TestRunRecordsSkippedFiles(t *testing.T) {
	src := t.TempDir()
	for c, class := range []string{"a", "b"} {
		for i := range 8 {
			p := filepath.Join(src, class, fmt.Sprintf("%d.png", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, messy.PNG(messy.Gray(28, 28, 50*c+i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(name string) (string, *RunResult) {
		dir := filepath.Join(t.TempDir(), name)
		s := &spec.Spec{Seed: 1, Data: spec.Data{Source: src}, Fit: spec.Fit{Epochs: 1, BatchSize: 8}}
		res, err := Run(context.Background(), s, RunOptions{Dir: dir, Out: io.Discard}, false)
		if err != nil {
			t.Fatal(err)
		}
		return dir, res
	}
	if dir, _ := run("clean"); runInfo(t, dir).Skipped != nil {
		t.Errorf("clean folder: skipped %+v, want none", runInfo(t, dir).Skipped)
	}
	for i := range 7 {
		if err := os.WriteFile(filepath.Join(src, "a", fmt.Sprintf("bad%d.png", i)), []byte("not a png"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "b", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, res := run("skips")
	got := runInfo(t, dir).Skipped
	if len(got) != 1 || got[0].Source != src || got[0].Count != 8 || len(got[0].First) != data.SkippedShown {
		t.Fatalf("run.json skipped_files %+v, want one record of %s: 8 files, the first %d listed", got, src, data.SkippedShown)
	}
	if want := data.SkipKinds(res.Data.Train.Skipped); got[0].Kinds != want || !strings.Contains(want, "not an image file: 1") {
		t.Errorf("kinds %q, want %q (with the .txt file)", got[0].Kinds, want)
	}
	for i, f := range got[0].First {
		if w := res.Data.Train.Skipped[i]; f.Path != w.Path || f.Reason != w.Reason || f.Reason == "" {
			t.Errorf("first[%d] = %+v, want %+v", i, f, w)
		}
	}
}
