package train

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// writeTestPNG writes an h x w image: gray, or colored (RGBA) when rgb.
func writeTestPNG(t *testing.T, path string, h, w, seed int, rgb bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var im image.Image
	if rgb {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range c.Pix {
			c.Pix[i] = uint8(i*7 + seed*31)
		}
		im = c
	} else {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.SetGray(x, y, color.Gray{Y: uint8(x*y + seed*13)})
			}
		}
		im = g
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, im); err != nil {
		t.Fatal(err)
	}
}

// The spec.yaml a run keeps names the target size and color mode it
// detected from the images, so that training again from it loads the same
// images even after the folder gained larger colored ones (which would
// otherwise be the most common size and make the mode rgb).
func TestRunSpecKeepsDetectedSizeAndMode(t *testing.T) {
	src := t.TempDir()
	for i := range 16 {
		class := []string{"a", "b"}[i%2]
		h, w := 22, 26
		if i >= 12 {
			h, w = 30, 30 // fewer: resized to the most common size
		}
		writeTestPNG(t, filepath.Join(src, class, fmt.Sprintf("%02d.png", i)), h, w, i, false)
	}
	dir := filepath.Join(t.TempDir(), "run")
	s := &spec.Spec{Seed: 1, Data: spec.Data{Source: src}, Fit: spec.Fit{Epochs: 1, BatchSize: 8}}
	if _, err := Run(context.Background(), s, RunOptions{Dir: dir, Out: io.Discard}, false); err != nil {
		t.Fatal(err)
	}
	kept, err := spec.Load(filepath.Join(dir, SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kept.Data.TargetSize, []int{22, 26}) || kept.Data.ColorMode != "grayscale" {
		t.Fatalf("spec.yaml: target_size %v, color_mode %q; want [22 26] and grayscale (detected)",
			kept.Data.TargetSize, kept.Data.ColorMode)
	}
	for i := range 20 {
		writeTestPNG(t, filepath.Join(src, []string{"a", "b"}[i%2], fmt.Sprintf("new%02d.png", i)), 40, 40, i, true)
	}
	p, err := PrepareData(kept.Data, kept.Seed)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Train.Close()
	if got := []int{p.Train.Height, p.Train.Width, p.Train.Channels}; !slices.Equal(got, []int{22, 26, 1}) {
		t.Errorf("rerun from spec.yaml loads %v images, want [22 26 1] as the run did", got)
	}
}
