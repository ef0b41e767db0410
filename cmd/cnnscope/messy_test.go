package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
)

// TestTrainOnMessyFolder: train on the generated messy folder (train/ and
// test/ splits, a bomb, junk, an empty class, a Latin-1 class, mixed
// modes): it trains, says which split folders it uses, notes the color
// mode, warns about the empty class; --strict refuses, listing every bad
// file.
func TestTrainOnMessyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := messy.Write(dir); err != nil {
		t.Fatal(err)
	}
	args := []string{"train", "--data", dir, "--epochs", "1", "--target-size", "32,32", "--batch", "8"}
	code, out, errs := runCLI(append(args, "--out", filepath.Join(dir, "run"))...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"holds split folders: training from " + filepath.Join(dir, "train") + ", test from " + filepath.Join(dir, "test"),
		"Note: color mode grayscale, as 28 of 31 images", // the 31 that load (it counted a 32nd, undecodable)
		`Warning: class "empty"`,
		`\xe9t\xe9`,
		"bomb.png: image of 100000x100000 pixels",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run", "model.json")); err != nil {
		t.Error(err)
	}
	code, out, errs = runCLI(append(args, "--strict", "--out", filepath.Join(dir, "strict"))...)
	if code != 2 {
		t.Fatalf("--strict: exit %d, want 2\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"5 problems", "bomb.png", "notes.txt", "zero.jpg", "cut.png", `class "empty"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("--strict error lacks %q:\n%s", want, errs)
		}
	}
}
