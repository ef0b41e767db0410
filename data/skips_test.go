package data

import (
	"fmt"
	"strings"
	"testing"
)

// A folder of many class folders without images (a documentation tree)
// gives one warning with the count, not one per folder; a few empty
// classes are still named one by one.
func TestEmptyClassesAreSummarized(t *testing.T) {
	for _, empty := range []int{2, 7} {
		dir := t.TempDir()
		for i := range 2 {
			writeFile(t, dir, fmt.Sprintf("full%d/a.png", i), encodePNG(t, gradient(8, 8, i, "gray")))
			writeFile(t, dir, fmt.Sprintf("full%d/b.png", i), encodePNG(t, gradient(8, 8, i+2, "gray")))
		}
		for i := range empty {
			writeFile(t, dir, fmt.Sprintf("doc%d/README", i), []byte("text"))
		}
		ds, err := LoadFolder(dir, FolderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, w := range ds.Warnings {
			if strings.Contains(w, "no image files") {
				n++
			}
		}
		want := map[int]int{2: 2, 7: 1}[empty]
		if n != want {
			t.Errorf("%d empty classes: %d warnings about them, want %d: %q", empty, n, want, ds.Warnings)
		}
		if empty == 7 && !strings.Contains(ds.Warnings[0], `7 of 9 class folders have no image files ("doc0", "doc1", "doc2" and 4 more)`) {
			t.Errorf("summary warning %q", ds.Warnings[0])
		}
	}
}

func TestSkipKinds(t *testing.T) {
	var sk []Skipped
	add := func(n int, reason string) {
		for range n {
			sk = append(sk, Skipped{Path: fmt.Sprintf("f%d", len(sk)), Reason: reason})
		}
	}
	add(5, `not an image file (extension ".gz")`)
	add(2, `not an image file (extension "")`)
	add(1, `not an image file (extension ".txt")`)
	add(1, `not an image file (extension ".html")`)
	add(3, "unreadable: open f: permission denied")
	add(1, "hidden")
	add(1, "image of 100000x100000 pixels, more than the 67108864 this loader accepts")
	add(1, "image of 65535x65535 pixels, more than the 67108864 this loader accepts")
	want := `not an image file: 9 (.gz 5, no extension 2, .html 1, ...); unreadable: 3; image of NxN pixels: 2; hidden: 1`
	if got := SkipKinds(sk); got != want {
		t.Errorf("SkipKinds = %q, want %q", got, want)
	}
	var b strings.Builder
	WriteSkipped(&b, "docs", sk, 4)
	out := b.String()
	for _, s := range []string{"Skipped 15 file(s): " + want + "\n", "  f0: not an image file", "... and 10 more: cnnscope data inspect docs lists them all; --strict fails on them",
		"Warning: 4 of 19 files are images: is docs an image folder"} {
		if !strings.Contains(out, s) {
			t.Errorf("WriteSkipped does not say %q:\n%s", s, out)
		}
	}
	if strings.Count(out, "\n  f") != 5 {
		t.Errorf("WriteSkipped lists other than the first 5 files:\n%s", out)
	}
}

// Mixed image sizes: the choice is noted; on a tie for the most common
// size the larger wins, whatever the file order, and the note says so.
func TestMixedSizesAreNoted(t *testing.T) {
	for _, c := range []struct {
		sizes  [][2]int // width, height per image, in file order
		h, w   int
		phrase string
	}{
		{[][2]int{{8, 6}, {12, 10}, {12, 10}}, 10, 12, "image size 10x12 (height x width), the most common of 2 sizes (2 of 3 images)"},
		{[][2]int{{8, 6}, {8, 6}, {12, 10}, {12, 10}}, 10, 12, "image size 10x12 (height x width): sizes 6x8, 10x12 tie as the most common of 2 sizes (2 of 4 images each); the largest was chosen"},
		{[][2]int{{12, 10}, {12, 10}, {8, 6}, {8, 6}}, 10, 12, "sizes 10x12, 6x8 tie"},
	} {
		dir := t.TempDir()
		for i, s := range c.sizes {
			writeFile(t, dir, fmt.Sprintf("%c/%d.png", 'a'+i%2, i), encodePNG(t, gradient(s[0], s[1], i, "gray")))
		}
		ds, err := LoadFolder(dir, FolderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(ds.Notes, "\n")
		if ds.Height != c.h || ds.Width != c.w || !strings.Contains(notes, c.phrase) || !strings.Contains(notes, "--target-size H,W") {
			t.Errorf("%v: %dx%d, notes %q; want %dx%d and %q", c.sizes, ds.Height, ds.Width, notes, c.h, c.w, c.phrase)
		}
	}
}

func TestCountTableHidesManyEmptyClasses(t *testing.T) {
	classes := make([]string, 14)
	counts := make([]int, 14)
	for i := range classes {
		classes[i] = fmt.Sprintf("class%02d", i)
	}
	counts[3], counts[9] = 4, 2
	var b strings.Builder
	if err := WriteCountTable(&b, classes, counts, nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "class00") || !strings.Contains(out, "class03") || !strings.Contains(out, "class09") || !strings.Contains(out, "(12 classes with no images are not shown)") {
		t.Errorf("count table:\n%s", out)
	}
}
