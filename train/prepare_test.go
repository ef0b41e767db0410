package train

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/spec"
)

// writeSplits writes DIR/<split>/<class>/<i>.png for the given counts per
// class and returns DIR.
func writeSplits(t *testing.T, counts map[string]int, classes ...string) string {
	t.Helper()
	dir := t.TempDir()
	for split, n := range counts {
		for c, class := range classes {
			for i := range n {
				p := filepath.Join(dir, split, class, fmt.Sprintf("%d.png", i))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, messy.PNG(messy.Gray(8, 6, 100*c+i)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

// TestPrepareSplitLayout: DIR holding train/, val/ and test/ trains from
// train/, validates on val/ and tests on test/ (not a 3-class "test,
// train, val" model), and says so.
func TestPrepareSplitLayout(t *testing.T) {
	dir := writeSplits(t, map[string]int{"train": 10, "val": 2, "test": 3}, "a", "b", "c")
	split := 0.2
	p, err := PrepareData(spec.Data{Source: dir, ValidationSplit: &split}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Classes, []string{"a", "b", "c"}) {
		t.Fatalf("classes %q, want a b c", p.Classes)
	}
	if len(p.TrainIdx) != 30 || len(p.ValIdx) != 6 || p.Test == nil || p.Test.Len() != 9 {
		t.Fatalf("%d train, %d val, test %v; want 30, 6, 9", len(p.TrainIdx), len(p.ValIdx), p.Test)
	}
	for _, i := range p.ValIdx {
		if !strings.Contains(p.Train.Sources[i], string(filepath.Separator)+"val"+string(filepath.Separator)) {
			t.Errorf("validation image %s is not from val/", p.Train.Sources[i])
		}
	}
	for _, i := range p.TrainIdx {
		if !strings.Contains(p.Train.Sources[i], string(filepath.Separator)+"train"+string(filepath.Separator)) {
			t.Errorf("training image %s is not from train/", p.Train.Sources[i])
		}
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "holds split folders: training from") || !strings.Contains(p.Notes[0], "instead of a validation split of 0.2") {
		t.Errorf("notes %q", p.Notes)
	}
}

// TestPrepareLimitStratified: --limit draws from every class at random
// (seeded), not the first N files in class order.
func TestPrepareLimitStratified(t *testing.T) {
	dir := writeSplits(t, map[string]int{"x": 10}, "a", "b", "c", "d", "e")
	pick := func(seed uint64) []int {
		p, err := PrepareData(spec.Data{Source: filepath.Join(dir, "x"), Limit: 7}, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.TrainIdx) != 7 || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "7 of 50 training images, drawn at random per class") {
			t.Fatalf("%d images, notes %q", len(p.TrainIdx), p.Notes)
		}
		for c, n := range data.CountClasses(p.Train.Labels, p.TrainIdx, 5) {
			if n < 1 || n > 2 {
				t.Errorf("class %d: %d of the 7 images, want 1 or 2", c, n)
			}
		}
		return p.TrainIdx
	}
	a, b := pick(1), pick(1)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different subsets: %v %v", a, b)
	}
	if c := pick(2); slices.Equal(a, c) {
		t.Errorf("seeds 1 and 2 draw the same subset %v", a)
	}
}
