package data

import (
	"errors"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// messyFolder writes a folder with every kind of trouble the loader must
// survive, and returns it with the number of good images per class.
func messyFolder(t *testing.T) (string, map[string]int) {
	dir := t.TempDir()
	good := map[string]int{}
	add := func(rel string, data []byte) {
		writeFile(t, dir, rel, data)
		good[strings.Split(rel, "/")[0]]++
	}
	add("cat/a.png", encodePNG(t, gradient(8, 6, 1, "rgb")))
	add("cat/b.jpg", encodeJPEG(t, gradient(8, 6, 2, "rgb")))
	add("cat/c big.PNG", encodePNG(t, gradient(16, 12, 3, "rgb")))    // other size, odd name
	add("cat/sub/d#1.png", encodePNG(t, gradient(8, 6, 4, "gray")))   // nested, gray
	add("dog/é ñ.png", encodePNG(t, gradient(8, 6, 5, "rgba")))       // unicode, alpha
	add("dog/p.gif.png", encodePNG(t, gradient(8, 6, 6, "paletted"))) // palette
	add("dog/q.jpeg", encodeJPEG(t, gradient(5, 9, 7, "gray")))       // gray JPEG
	// Trouble, all counted:
	writeFile(t, dir, "cat/zero.png", nil)
	writeFile(t, dir, "cat/notes.txt", []byte("hello"))
	writeFile(t, dir, "cat/corrupt.png", []byte("\x89PNG\r\n\x1a\nnot really"))
	full := encodePNG(t, gradient(8, 6, 9, "rgb"))
	writeFile(t, dir, "dog/truncated.png", full[:len(full)/2])
	jp := encodeJPEG(t, gradient(8, 6, 10, "rgb"))
	writeFile(t, dir, "dog/truncated.jpg", jp[:len(jp)/2])
	writeFile(t, dir, "dog/.DS_Store", []byte{0, 1})
	writeFile(t, dir, "README.md", []byte("top-level file"))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, good
}

func TestLoadFolderMessy(t *testing.T) {
	dir, good := messyFolder(t)
	ds, err := LoadFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cat", "dog", "empty"}, ds.Classes); diff != "" {
		t.Errorf("classes: %s", diff)
	}
	counts := CountClasses(ds.Labels, nil, 3)
	if counts[0] != good["cat"] || counts[1] != good["dog"] || counts[2] != 0 {
		t.Errorf("counts %v, want %v", counts, good)
	}
	// The most common size wins; mixed modes make it RGB.
	if ds.Height != 6 || ds.Width != 8 || ds.Channels != 3 {
		t.Errorf("shape %dx%dx%d", ds.Height, ds.Width, ds.Channels)
	}
	reasons := map[string]string{}
	for _, s := range ds.Skipped {
		rel, _ := filepath.Rel(dir, s.Path)
		reasons[filepath.ToSlash(rel)] = s.Reason
	}
	for _, want := range []struct{ file, reason string }{
		{"cat/zero.png", "empty file"}, {"cat/notes.txt", "not an image"},
		{"cat/corrupt.png", "not a decodable image"}, {"dog/truncated.png", "decoding"},
		{"dog/truncated.jpg", ""}, {"dog/.DS_Store", "hidden"}, {"README.md", "outside any class"},
	} {
		r, ok := reasons[want.file]
		if !ok || !strings.Contains(r, want.reason) {
			t.Errorf("%s: skipped=%v reason %q, want %q", want.file, ok, r, want.reason)
		}
	}
	if len(ds.Skipped) != 7 {
		t.Errorf("%d skipped: %v", len(ds.Skipped), ds.Skipped)
	}
	if len(ds.Warnings) != 1 || !strings.Contains(ds.Warnings[0], `"empty"`) {
		t.Errorf("warnings %q", ds.Warnings)
	}
	if !strings.HasSuffix(ds.Sources[0], filepath.Join("cat", "a.png")) {
		t.Errorf("source %q", ds.Sources[0])
	}
	// The gray PNG kept its gray value in all three channels; the RGBA one
	// kept straight colors.
	for i, src := range ds.Sources {
		img := ds.Image(i)
		switch filepath.Base(src) {
		case "d#1.png":
			if img[0] != img[1] || img[1] != img[2] {
				t.Errorf("gray image not gray: %v", img[:6])
			}
		case "é ñ.png":
			// Half-transparent pixels keep their straight colors, as PIL's
			// convert('RGB') does (no compositing over black).
			want := gradient(8, 6, 5, "rgba").(*image.NRGBA).Pix
			if diff := cmp.Diff(want[:3], img[:3]); diff != "" {
				t.Errorf("rgba pixel: %s", diff)
			}
		}
	}
	if ds.Originals[0].Format != "png" || ds.Originals[1].Format != "jpeg" {
		t.Errorf("originals %+v", ds.Originals[:2])
	}
}

func TestLoadFolderStrict(t *testing.T) {
	dir, _ := messyFolder(t)
	_, err := LoadFolder(dir, FolderOptions{Strict: true})
	if err == nil || !strings.Contains(err.Error(), "README.md") || !strings.Contains(err.Error(), "strict") {
		t.Fatalf("got %v", err)
	}
	// A clean folder with a hidden file passes strict loading.
	clean := t.TempDir()
	writeFile(t, clean, "a/1.png", encodePNG(t, gradient(4, 4, 1, "gray")))
	writeFile(t, clean, "b/1.png", encodePNG(t, gradient(4, 4, 2, "gray")))
	writeFile(t, clean, "b/.hidden.png", []byte("junk"))
	ds, err := LoadFolder(clean, FolderOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Channels != 1 || ds.Len() != 2 || len(ds.Skipped) != 1 {
		t.Errorf("%d channels, %d images, skipped %v", ds.Channels, ds.Len(), ds.Skipped)
	}
	// Each kind of trouble alone fails a strict load, naming the file.
	for name, data := range map[string][]byte{"zero.png": nil, "x.txt": []byte("x"), "bad.jpg": []byte("\xff\xd8\xffjunk")} {
		d := t.TempDir()
		writeFile(t, d, "a/1.png", encodePNG(t, gradient(4, 4, 1, "gray")))
		writeFile(t, d, "b/"+name, data)
		if _, err := LoadFolder(d, FolderOptions{Strict: true}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A single class is a warning, and an error when strict.
	one := t.TempDir()
	writeFile(t, one, "only/1.png", encodePNG(t, gradient(4, 4, 1, "gray")))
	ds, err = LoadFolder(one, FolderOptions{})
	if err != nil || len(ds.Warnings) != 1 {
		t.Errorf("single class: %v, warnings %q", err, ds.Warnings)
	}
	if _, err := LoadFolder(one, FolderOptions{Strict: true}); err == nil || !strings.Contains(err.Error(), "one class") {
		t.Errorf("single class strict: %v", err)
	}
}

func TestLoadFolderOptions(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a/1.png", encodePNG(t, gradient(10, 20, 1, "rgb")))
	writeFile(t, dir, "b/1.png", encodePNG(t, gradient(10, 20, 2, "gray")))
	for _, mode := range []ColorMode{Grayscale, RGB, RGBA} {
		for _, ip := range []Interpolation{Nearest, Bilinear, Bicubic} {
			ds, err := LoadFolder(dir, FolderOptions{Height: 7, Width: 5, ColorMode: mode, Interpolation: ip})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Height != 7 || ds.Width != 5 || ds.Channels != mode.Channels() || len(ds.Pixels) != 2*7*5*mode.Channels() {
				t.Errorf("%s %s: %dx%dx%d", mode, ip, ds.Height, ds.Width, ds.Channels)
			}
		}
	}
	// Classes option: a test folder loaded with the training classes.
	ds, err := LoadFolder(dir, FolderOptions{Classes: []string{"b", "a", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{0, 1}, ds.Labels); diff != "" || !strings.HasSuffix(ds.Sources[0], filepath.Join("b", "1.png")) {
		t.Errorf("labels %s sources %q", diff, ds.Sources)
	}
	if len(ds.Warnings) != 1 || !strings.Contains(ds.Warnings[0], `"c"`) {
		t.Errorf("warnings %q", ds.Warnings)
	}
	for _, bad := range []FolderOptions{{ColorMode: "cmyk"}, {Interpolation: "lanczos"}, {Height: 3}, {CacheFile: "/nonexistent/dir/c"}} {
		if _, err := LoadFolder(dir, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := LoadFolder(filepath.Join(dir, "nope"), FolderOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := LoadFolder(t.TempDir(), FolderOptions{}); !errors.Is(err, ErrNoImages) {
		t.Errorf("empty folder: %v", err)
	}
}

// deniedFS refuses to open some files, as unreadable permissions do (the
// tests may run as root, where chmod 000 does not stop reading).
type deniedFS struct {
	fs.FS
	deny string
}

func (d deniedFS) Open(name string) (fs.File, error) {
	if name == d.deny {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.FS.Open(name)
}

func TestLoadFolderUnreadable(t *testing.T) {
	png1 := encodePNG(t, gradient(4, 4, 1, "gray"))
	m := fstest.MapFS{
		"a/ok.png":     {Data: png1, ModTime: time.Unix(1, 0)},
		"a/locked.png": {Data: png1, ModTime: time.Unix(1, 0)},
		"b/ok.png":     {Data: png1, ModTime: time.Unix(1, 0)},
	}
	ds, err := LoadFolderFS(deniedFS{m, "a/locked.png"}, "root", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || len(ds.Skipped) != 1 || !strings.Contains(ds.Skipped[0].Reason, "permission") {
		t.Errorf("%d images, skipped %v", ds.Len(), ds.Skipped)
	}
	if _, err := LoadFolderFS(deniedFS{m, "a/locked.png"}, "root", FolderOptions{Strict: true}); err == nil || !strings.Contains(err.Error(), "locked.png") {
		t.Errorf("strict: %v", err)
	}
	// Real permissions, where they bite (not as root).
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		writeFile(t, dir, "a/1.png", png1)
		p := writeFile(t, dir, "b/1.png", png1)
		os.Chmod(p, 0)
		ds, err := LoadFolder(dir, FolderOptions{})
		if err != nil || ds.Len() != 1 || len(ds.Skipped) != 1 {
			t.Errorf("chmod 0: %v, skipped %v", err, ds.Skipped)
		}
	}
}

func TestLoadFolderCacheFile(t *testing.T) {
	dir := t.TempDir()
	for i := range 6 {
		writeFile(t, dir, []string{"x", "y"}[i%2]+"/"+string(rune('a'+i))+".png", encodePNG(t, gradient(6, 5, i, "rgb")))
	}
	writeFile(t, dir, "x/bad.png", []byte("bad"))
	mem, err := LoadFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Over the memory budget: a temporary mapped file, same contents.
	mapped, err := LoadFolder(dir, FolderOptions{MemoryBudget: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mem, mapped, cmp.AllowUnexported(Dataset{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".closer" }, cmp.Ignore())); diff != "" {
		t.Errorf("mapped differs: %s", diff)
	}
	mapped.Close()
	cache := filepath.Join(t.TempDir(), "pixels.cache")
	first, err := LoadFolder(dir, FolderOptions{CacheFile: cache})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	// The second load maps the cache: prove it by corrupting a source
	// image without changing its size or time.
	p := filepath.Join(dir, "x", "a.png")
	st, _ := os.Stat(p)
	os.WriteFile(p, make([]byte, st.Size()), 0o644)
	os.Chtimes(p, st.ModTime(), st.ModTime())
	second, err := LoadFolder(dir, FolderOptions{CacheFile: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if diff := cmp.Diff(mem.Pixels, second.Pixels); diff != "" || second.Len() != mem.Len() || len(second.Skipped) != 1 {
		t.Errorf("cached load differs: %d images, skipped %v", second.Len(), second.Skipped)
	}
	// Other options rebuild it.
	third, err := LoadFolder(dir, FolderOptions{CacheFile: cache, ColorMode: Grayscale})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if third.Channels != 1 || third.Len() != 5 {
		t.Errorf("rebuilt cache: %d channels, %d images", third.Channels, third.Len())
	}
}

// A folder loaded from its pixel cache keeps the loader's notes (the
// image size it chose among several), as loaded the first time.
func TestLoadFolderCacheKeepsNotes(t *testing.T) {
	dir := t.TempDir()
	for i := range 6 {
		w := 6 + i%3/2 // two sizes: 6x5 (4 images) and 7x5 (2)
		writeFile(t, dir, []string{"x", "y"}[i%2]+"/"+string(rune('a'+i))+".png", encodePNG(t, gradient(w, 5, i, "rgb")))
	}
	cache := filepath.Join(t.TempDir(), "pixels.cache")
	first, err := LoadFolder(dir, FolderOptions{CacheFile: cache})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	if len(first.Notes) == 0 {
		t.Fatal("two image sizes, no note of the size chosen")
	}
	second, err := LoadFolder(dir, FolderOptions{CacheFile: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if second.closer == nil {
		t.Fatal("the second load did not map the cache")
	}
	if diff := cmp.Diff(first.Notes, second.Notes); diff != "" {
		t.Errorf("notes from the cache differ (-first +cached):\n%s", diff)
	}
}
