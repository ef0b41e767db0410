package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// TestEvaluateSaysWhatItLeftOut: a test folder with a class the model
// does not know and an unreadable file is evaluated on the rest, and
// stderr names what was left out (it was silent: "10 images" for 20).
func TestEvaluateSaysWhatItLeftOut(t *testing.T) {
	model := testmodel.TinyCNN(t) // classes a, b, c; 16x24 grayscale
	dir := t.TempDir()
	for _, c := range []string{"a", "zebra"} {
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			os.WriteFile(filepath.Join(dir, c, string(rune('0'+i))+".png"), messy.PNG(messy.Gray(24, 16, i)), 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, "a", "broken.png"), []byte("not a png"), 0o644)
	code, stdout, stderr := runCLI("evaluate", model, "--data", dir)
	if code != 0 || !strings.Contains(stdout, ": 3 images") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, want := range []string{"zebra", "broken.png", "left out"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not mention %q", stderr, want)
		}
	}
}

// TestEvaluateSplitLayout: --data DIR holding train/ and test/ (the layout
// train recognizes) evaluates DIR/test and says so; it was "image folder
// DIR: no images (2 files skipped)", exit 2.
func TestEvaluateSplitLayout(t *testing.T) {
	model := testmodel.TinyCNN(t) // classes a, b, c; 16x24 grayscale
	dir := t.TempDir()
	for _, split := range []string{"train", "test"} {
		for _, c := range []string{"a", "b"} {
			if err := os.MkdirAll(filepath.Join(dir, split, c), 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				os.WriteFile(filepath.Join(dir, split, c, string(rune('0'+i))+".png"), messy.PNG(messy.Gray(24, 16, i)), 0o644)
			}
		}
	}
	code, stdout, stderr := runCLI("evaluate", model, "--data", dir)
	if code != 0 || !strings.Contains(stdout, ": 4 images") || !strings.Contains(stderr, filepath.Join(dir, "test")) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestEvaluateNoneOfTheModelsClasses: --data DIR whose class folders are
// none of the model's is exit 2 naming both lists; it was "image folder
// DIR: no images (4 files skipped)" for a folder of 6 images.
func TestEvaluateNoneOfTheModelsClasses(t *testing.T) {
	model := testmodel.TinyCNN(t) // classes a, b, c; 16x24 grayscale
	dir := t.TempDir()
	for _, c := range []string{"cat", "dog"} {
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			os.WriteFile(filepath.Join(dir, c, string(rune('0'+i))+".png"), messy.PNG(messy.Gray(24, 16, i)), 0o644)
		}
	}
	code, _, stderr := runCLI("evaluate", model, "--data", dir)
	if code != 2 || !strings.Contains(stderr, "none of the classes a, b, c") || !strings.Contains(stderr, "cat, dog") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
