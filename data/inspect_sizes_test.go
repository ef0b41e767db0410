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

// Photos of many sizes, each size once: no size holds half the images,
// so the target is their median height and width (the largest of the
// tied sizes was chosen before: a stranger's folder of phone photos got
// 2881x3604 and was refused for memory), and the note says so in one
// short line instead of naming every size.
func TestManySizesTakeTheMedian(t *testing.T) {
	s := shapeCounts{sizes: map[[2]int]int{}}
	for i := range 40 {
		hw := [2]int{100 + i, 200 - i}
		s.sizes[hw]++
		s.order = append(s.order, hw)
		s.all++
	}
	best, note := commonSize(s)
	if best != [2]int{120, 181} {
		t.Errorf("chose %v, want the median height and width, 120x181", best)
	}
	want := "image size 120x181 (height x width): no size is shared by half of the 40 images (40 sizes, at most 1 image each), so the images' median height and median width were taken; the images are resized to it"
	if !strings.Contains(note, want) || len(note) > 400 {
		t.Errorf("note %q\nwant %q", note, want)
	}
}

// Phone photos (portrait and landscape, each its own size): the median
// size is scaled down, aspect kept, to fit Keras' default 256x256; a
// size shared by half the images or more is still chosen as before.
func TestPhotoSizesFitKerasDefault(t *testing.T) {
	for _, c := range []struct {
		sizes [][2]int
		want  [2]int
		note  string
	}{
		{[][2]int{{4000, 3000}, {4032, 3024}, {3024, 4032}, {2881, 3604}, {3000, 4000}}, [2]int{215, 256},
			"image size 215x256 (height x width): no size is shared by half of the 5 images (5 sizes, at most 1 image each), so the images' median height and median width were taken, 3024x3604, scaled to fit 256x256 (Keras' default target_size)"},
		{[][2]int{{90, 120}, {90, 120}, {60, 80}, {30, 40}}, [2]int{90, 120}, "image size 90x120 (height x width), the most common of 3 sizes (2 of 4 images)"},
		{[][2]int{{90, 120}, {90, 120}, {60, 80}}, [2]int{90, 120}, "image size 90x120 (height x width), the most common of 2 sizes (2 of 3 images)"},
		{[][2]int{{28, 28}, {28, 28}, {32, 32}, {64, 64}, {64, 64}, {30, 30}}, [2]int{32, 32}, "so the images' median height and median width were taken; "},
	} {
		s := shapeCounts{sizes: map[[2]int]int{}}
		for _, hw := range c.sizes {
			if s.sizes[hw] == 0 {
				s.order = append(s.order, hw)
			}
			s.sizes[hw]++
			s.all++
		}
		best, note := commonSize(s)
		if best != c.want || !strings.Contains(note, c.note) {
			t.Errorf("%v: chose %v, note %q; want %v, %q", c.sizes, best, note, c.want, c.note)
		}
	}
}
