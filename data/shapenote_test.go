package data

import (
	"fmt"
	"strings"
	"testing"
)

// TestShapeNoteCountsLoadedImages: the size and color-mode notes count
// the images that loaded, not those whose header read and whose pixels
// did not (a truncated file): a stranger's 390 loaded images were noted
// as "(49 of 391 images)". Where the undecodable files made the choice,
// the note keeps the headers' count and says so.
func TestShapeNoteCountsLoadedImages(t *testing.T) {
	type file struct {
		w, h      int
		mode      string
		truncated bool
	}
	for _, c := range []struct {
		name   string
		files  []file
		want   []string // the notes, in order
		loaded int
	}{
		{"loaded", []file{{12, 10, "gray", false}, {12, 10, "gray", false}, {12, 10, "gray", false}, {8, 6, "gray", false}, {12, 10, "rgb", true}},
			[]string{"image size 10x12 (height x width), the most common of 2 sizes (3 of 4 images): the others are resized to it (--target-size H,W chooses another)"}, 4},
		{"headers", []file{{12, 10, "gray", false}, {8, 6, "gray", false}, {8, 6, "gray", false}, {12, 10, "gray", true}, {12, 10, "gray", true}},
			[]string{"image size 10x12 (height x width), the most common of 2 sizes (3 of 5 images): the others are resized to it (--target-size H,W chooses another); counted by the files' headers: 2 of those files could not be decoded"}, 3},
	} {
		dir := t.TempDir()
		for i, f := range c.files {
			b := encodePNG(t, gradient(f.w, f.h, i, f.mode))
			if f.truncated {
				b = b[:len(b)/2]
			}
			writeFile(t, dir, fmt.Sprintf("%c/%d.png", 'a'+i%2, i), b)
		}
		ds, err := LoadFolder(dir, FolderOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ds.Len() != c.loaded || ds.Height != 10 || ds.Width != 12 || ds.Channels != 1 || strings.Join(ds.Notes, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: %d images %dx%dx%d, notes:\n%s\nwant %d images 10x12x1, notes:\n%s", c.name, ds.Len(), ds.Height, ds.Width, ds.Channels,
				strings.Join(ds.Notes, "\n"), c.loaded, strings.Join(c.want, "\n"))
		}
	}
}
