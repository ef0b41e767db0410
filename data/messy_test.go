package data

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
)

// TestLoadMessyFolder loads the generated messy folder's train/ split: a
// decompression bomb, junk and a cut file are skipped with reasons, a
// Latin-1 file and class folder are read and shown escaped, the empty
// class is warned about, and the color mode is the majority's, with a note.
func TestLoadMessyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := messy.Write(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := LoadFolder(dir+"/train", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"circle", "empty", "square", `\xe9t\xe9`}; !slices.Equal(ds.Classes, want) {
		t.Errorf("classes %q, want %q", ds.Classes, want)
	}
	if ds.Channels != 1 || ds.Height != 16 || ds.Width != 24 {
		t.Errorf("shape %dx%dx%d, want 16x24x1", ds.Height, ds.Width, ds.Channels)
	}
	// The notes count the 31 images that load: they counted 32, with the
	// one whose header reads but whose pixels do not ("25 of 32", "29 of 32").
	if len(ds.Notes) != 2 || !strings.Contains(ds.Notes[0], "image size 16x24 (height x width), the most common of 3 sizes (24 of 31 images)") ||
		!strings.Contains(ds.Notes[1], "grayscale, as 28 of 31 images") {
		t.Errorf("notes %q, want the size chosen and grayscale as 28 of the 31 loaded (by their probes)", ds.Notes)
	}
	if len(ds.Warnings) != 1 || !strings.Contains(ds.Warnings[0], `class "empty"`) {
		t.Errorf("warnings %q, want the empty class", ds.Warnings)
	}
	if ds.Len() != 31 {
		t.Errorf("%d images, want 31", ds.Len())
	}
	if !slices.Contains(ds.Sources, dir+"/train/circle/"+messy.NonUTF8File) {
		t.Errorf("the Latin-1 file name was not loaded: %q", ds.Sources)
	}
	reasons := map[string]string{}
	for _, s := range ds.Skipped {
		reasons[s.Path[len(dir)+len("/train/"):]] = s.Reason
	}
	for file, want := range map[string]string{
		"square/" + messy.BombFile: "100000x100000 pixels, more than",
		"square/notes.txt":         "not an image file",
		"square/zero.jpg":          "empty file",
		"circle/cut.png":           "",
		"empty/.keep":              "hidden",
	} {
		if r, ok := reasons[file]; !ok || !strings.Contains(r, want) {
			t.Errorf("%s: skipped %v for %q, want a reason with %q", file, ok, r, want)
		}
	}
	for i, o := range ds.Originals {
		if strings.Contains(ds.Sources[i], "orientation-6") && (o.Orientation != 6 || o.Width != 16 || o.Height != 24) {
			t.Errorf("orientation-6.jpg: %+v, want orientation 6 shown as 16x24", o)
		}
	}

	_, err = LoadFolder(dir+"/train", FolderOptions{Strict: true})
	if err == nil {
		t.Fatal("strict load of the messy folder succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"5 problems", messy.BombFile, "notes.txt", "zero.jpg", "cut.png", `class "empty"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("strict error does not list %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "more)") || strings.Contains(msg, ".keep") {
		t.Errorf("strict error abbreviates or lists hidden files:\n%s", msg)
	}
}

// TestLoadFolderClassesNonUTF8: a test folder loaded with the training
// classes finds the Latin-1 class folder by its escaped class name.
func TestLoadFolderClassesNonUTF8(t *testing.T) {
	dir := t.TempDir()
	if err := messy.Write(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := LoadFolder(dir+"/test", FolderOptions{Classes: []string{"circle", "square", `\xe9t\xe9`}})
	if err != nil {
		t.Fatal(err)
	}
	if got := CountClasses(ds.Labels, nil, 3); !slices.Equal(got, []int{2, 2, 2}) {
		t.Errorf("counts %v, want 2 per class", got)
	}
	if _, err := LoadFolder(dir+"/test", FolderOptions{Classes: []string{"circle", "nope"}, Strict: true}); err == nil || errors.Is(err, ErrNoImages) {
		t.Errorf("strict load with a missing class folder: %v", err)
	}
}

// TestReadImageFileBomb: the single-image path (predict's) refuses a
// header declaring 100000x100000 pixels before allocating them.
func TestReadImageFileBomb(t *testing.T) {
	path := t.TempDir() + "/" + messy.BombFile
	if err := os.WriteFile(path, messy.Bomb(100000, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, o, err := ReadImageFile(path, 28, 28, Grayscale, Nearest)
	if err == nil || !strings.Contains(err.Error(), "100000x100000 pixels, more than") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err %v, want the pixel limit naming the file", err)
	}
	if o.Width != 100000 || o.Format != "png" {
		t.Errorf("original %+v, want the declared size", o)
	}
}

// TestLoadFolderUnreadableClass: a class whose files all fail to decode
// is warned about, as an empty one is.
func TestLoadFolderUnreadableClass(t *testing.T) {
	dir := t.TempDir()
	for p, b := range map[string][]byte{"a/1.png": messy.PNG(messy.Gray(4, 4, 1)), "b/1.png": messy.Bomb(100000, 100000), "b/2.jpg": []byte("not a jpeg")} {
		os.MkdirAll(dir+"/"+p[:1], 0o755)
		if err := os.WriteFile(dir+"/"+p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := LoadFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Warnings) != 1 || !strings.Contains(ds.Warnings[0], `class "b": none of its 2 image files could be read`) {
		t.Errorf("warnings %q", ds.Warnings)
	}
}
