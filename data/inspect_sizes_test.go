package data

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// A folder of photo-like images, nearly every one its own size, gets a
// readable size line: a stranger's 390 images of 368 sizes printed one
// line of all 368 ("104x119: 2, 107x100: 2, ... 99x86: 1", about 5,000
// characters). The line lists the most common sizes, then how many more
// and their range; the JSON keeps every size.
func TestInspectSizesLineStaysShort(t *testing.T) {
	sizes := map[string]int{"64x48": 5, "32x32": 3}
	for w := 40; w < 340; w++ {
		sizes[fmt.Sprintf("%dx%d", w, w/2+20)] = 1
	}
	r := &Report{Sets: []SetReport{{Name: "train", Images: 308, Height: 48, Width: 64, Channels: 3, SourceSizes: sizes,
		SourceModes: map[string]int{"rgb": 308}, Formats: map[string]int{"png": 308}}}}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "file sizes") {
			line = l
		}
	}
	if len(line) > 300 || !strings.HasPrefix(line, "file sizes (WxH): 64x48: 5, 32x32: 3, ") ||
		!strings.Contains(line, "and 292 more sizes of 1 image each; all sizes: widths 32-339, heights 32-189") {
		t.Errorf("sizes line (%d characters):\n%s", len(line), line)
	}
	few := &Report{Sets: []SetReport{{Name: "train", SourceSizes: map[string]int{"28x28": 7, "30x28": 1}}}}
	b.Reset()
	if err := few.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "file sizes (WxH): 28x28: 7, 30x28: 1\n") {
		t.Errorf("few sizes:\n%s", b.String())
	}
}

// Photos of many sizes, each size once, tie: the note names a few of them
// and counts the rest, instead of every size (a stranger's 18 images
// listed all 18 sizes; a folder of 5,000 photos would list 5,000).
func TestManyTiedSizesAreCounted(t *testing.T) {
	s := shapeCounts{sizes: map[[2]int]int{}}
	for i := range 40 {
		hw := [2]int{100 + i, 200 - i}
		s.sizes[hw]++
		s.order = append(s.order, hw)
		s.all++
	}
	best, note := commonSize(s)
	if best != [2]int{139, 161} {
		t.Errorf("chose %v, want the largest, 139x161", best)
	}
	want := "image size 139x161 (height x width): 40 of 40 sizes tie as the most common (1 of 40 images each), 100x200, 101x199, 102x198, 103x197, 104x196 and 35 more; the largest was chosen"
	if !strings.Contains(note, want) || len(note) > 400 {
		t.Errorf("note %q\nwant %q", note, want)
	}
}
