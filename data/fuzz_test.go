package data

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cnnscope/cnnscope/internal/messy"
)

// FuzzReadIDX: any input is parsed or refused with an error naming the
// file, never a panic, and what parses holds exactly its dimensions' bytes.
// Seed corpus: testdata/fuzz/FuzzReadIDX.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, false))
	f.Add(idxBytes([]int{3}, []byte{0, 9, 4}, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadIDX(bytes.NewReader(b), "fuzz.idx")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.idx") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if len(x.Data) != n {
			t.Fatalf("dims %v hold %d bytes, data has %d", x.Dims, n, len(x.Data))
		}
	})
}

// FuzzLoadFolder: a folder holding one arbitrary file next to a good image
// loads without panicking, and every file is either loaded or listed as
// skipped. Seed corpus: testdata/fuzz/FuzzLoadFolder.
func FuzzLoadFolder(f *testing.F) {
	good := encodePNG(f, gradient(6, 5, 1, "rgb"))
	f.Add(good, "x.png", false)
	f.Add(encodeJPEG(f, gradient(7, 3, 2, "gray")), "y.jpg", true)
	f.Add(good[:40], "cut.png", false)
	f.Add([]byte("GIF89a\x01\x00\x01\x00"), "z.gif", false)
	f.Add([]byte{}, ".hidden.bmp", true)
	f.Fuzz(func(t *testing.T, b []byte, name string, strict bool) {
		if strings.ContainsAny(name, "/\\") || !fs.ValidPath(name) || name == "." || name == ".." || len(name) > 100 {
			name = "file.png"
		}
		m := fstest.MapFS{
			"a/" + name: {Data: b, ModTime: time.Unix(1, 0)},
			"b/ok.png":  {Data: good, ModTime: time.Unix(1, 0)},
		}
		ds, err := LoadFolderFS(m, "root", FolderOptions{Strict: strict})
		if err != nil {
			if !strict {
				t.Fatalf("non-strict load failed: %v", err)
			}
			return
		}
		if ds.Len()+len(ds.Skipped) != 2 {
			t.Fatalf("%d loaded + %d skipped, want 2 files accounted for: %v", ds.Len(), len(ds.Skipped), ds.Skipped)
		}
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzImageHeaders: the header parsers written here (Exif orientation,
// GIF color table) and the probe run outside any recover, so they must
// not panic on any bytes; DecodeImage refuses or decodes within the pixel
// limit. Seeds: the messy fixtures and mutable headers.
func FuzzImageHeaders(f *testing.F) {
	for _, b := range messy.Files() {
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	for _, b := range messy.Seeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		gifPalette(b)
		probeImage(bytes.NewReader(b))
		img, o, err := DecodeImage(bytes.NewReader(b))
		if err != nil {
			return
		}
		if r := img.Bounds(); r.Dx() != o.Width || r.Dy() != o.Height || int64(r.Dx())*int64(r.Dy()) > maxImagePixels {
			t.Fatalf("image %v, original %+v", r, o)
		}
	})
}
