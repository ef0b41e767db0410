package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListImagesErrorsTellMissingFromEmpty: a folder without image files
// is an error wrapping ErrNoImageFiles (still naming the folder and the
// extensions), a missing path one wrapping fs.ErrNotExist, so that
// predict can count them apart.
func TestListImagesErrorsTellMissingFromEmpty(t *testing.T) {
	dir := t.TempDir()
	empty, missing := filepath.Join(dir, "empty"), filepath.Join(dir, "nosuch.png")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ListImages([]string{empty})
	if !errors.Is(err, ErrNoImageFiles) || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "empty: no image files (.png") {
		t.Errorf("empty folder: %v, want it to wrap ErrNoImageFiles and name the folder and extensions", err)
	}
	_, err = ListImages([]string{missing})
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNoImageFiles) {
		t.Errorf("missing path: %v, want it to wrap fs.ErrNotExist only", err)
	}
}
