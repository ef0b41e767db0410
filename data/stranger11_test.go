package data

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A folder loaded with a class list (a model's classes: evaluate --data,
// train --test) whose sub-folders are none of those classes is an error
// that says so, naming the classes wanted and the folders found: a
// stranger's `cnnscope evaluate RUN --data cats-and-dogs` on a shapes
// model was told only "image folder ...: no images (6 files skipped)",
// though it held 12 images.
func TestLoadFolderNoneOfTheClasses(t *testing.T) {
	png1 := encodePNG(t, gradient(4, 4, 1, "rgb"))
	m := fstest.MapFS{
		"cat/1.png": {Data: png1, ModTime: time.Unix(1, 0)},
		"dog/1.png": {Data: png1, ModTime: time.Unix(1, 0)},
	}
	_, err := LoadFolderFS(m, "root", FolderOptions{Classes: []string{"circle", "square"}})
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrNoImages) {
		t.Errorf("%v: not ErrNoImages", err)
	}
	for _, want := range []string{"root", "circle, square", "cat, dog"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// No sub-folders at all: said so.
	flat := fstest.MapFS{"1.png": {Data: png1, ModTime: time.Unix(1, 0)}}
	if _, err := LoadFolderFS(flat, "root", FolderOptions{Classes: []string{"circle", "square"}}); err == nil || !strings.Contains(err.Error(), "no sub-folders") {
		t.Errorf("flat folder: %v", err)
	}
	// One class of the list present: loads, the other class empty.
	m["circle/1.png"] = &fstest.MapFile{Data: png1, ModTime: time.Unix(1, 0)}
	ds, err := LoadFolderFS(m, "root", FolderOptions{Classes: []string{"circle", "square"}})
	if err != nil || ds.Len() != 1 {
		t.Fatalf("circle present: %v", err)
	}
}

// A folder loaded with a class list (a test set) that lacks one of the
// classes warns that the class is not measured, not that "the model gets
// an output for a class it never sees" (the model saw it in training): a
// stranger's train/ and test/ folders, test/ without a star folder.
func TestLoadFolderTestSetMissingClassWarning(t *testing.T) {
	png1 := encodePNG(t, gradient(4, 4, 1, "rgb"))
	m := fstest.MapFS{"circle/1.png": {Data: png1, ModTime: time.Unix(1, 0)}}
	ds, err := LoadFolderFS(m, "root", FolderOptions{Classes: []string{"circle", "star"}})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(ds.Warnings, "\n")
	if strings.Contains(all, "never sees") || !strings.Contains(all, `class "star"`) || !strings.Contains(all, "not measured") {
		t.Errorf("warnings %q", ds.Warnings)
	}
	// Without a class list (a training set) the warning is the old one.
	m["star/x.txt"] = &fstest.MapFile{Data: []byte("no image"), ModTime: time.Unix(1, 0)}
	ds, err = LoadFolderFS(m, "root", FolderOptions{})
	if err != nil || !strings.Contains(strings.Join(ds.Warnings, "\n"), "never sees") {
		t.Errorf("training set: %v, warnings %q", err, ds.Warnings)
	}
}
