package data

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestLoadFolderFlatSaysOneSubFolderPerClass: a folder whose images lie
// at its top level, with no class sub-folders, is refused with an error
// that names the folder, counts the images found at its top level (not
// the other files) and says they must be in one sub-folder per class; it
// ended in "...: no images". Still errors.Is ErrNoImages.
func TestLoadFolderFlatSaysOneSubFolderPerClass(t *testing.T) {
	png1 := encodePNG(t, gradient(4, 4, 1, "rgb"))
	flat := fstest.MapFS{
		"1.png":     {Data: png1, ModTime: time.Unix(1, 0)},
		"2.PNG":     {Data: png1, ModTime: time.Unix(1, 0)},
		"3.jpg":     {Data: png1, ModTime: time.Unix(1, 0)},
		"notes.txt": {Data: []byte("x"), ModTime: time.Unix(1, 0)},
	}
	_, err := LoadFolderFS(flat, "root", FolderOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrNoImages) {
		t.Errorf("%v: not ErrNoImages", err)
	}
	for _, want := range []string{"image folder root", "3 image file(s) at its top level", "one sub-folder per class, root/<class>/<image files>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.HasSuffix(err.Error(), ": no images") {
		t.Errorf("error %q ends in the bare sentinel", err)
	}
	// With a class list (a model's), the same count.
	_, err = LoadFolderFS(flat, "root", FolderOptions{Classes: []string{"circle", "square"}})
	if err == nil || !strings.Contains(err.Error(), "no sub-folders, and 3 image file(s) at its top level") {
		t.Errorf("flat folder with a class list: %v", err)
	}
	// An empty folder: no count of images.
	_, err = LoadFolderFS(fstest.MapFS{}, "root", FolderOptions{})
	if err == nil || !errors.Is(err, ErrNoImages) || strings.Contains(err.Error(), "top level") || !strings.Contains(err.Error(), "no sub-folders") {
		t.Errorf("empty folder: %v", err)
	}
}
