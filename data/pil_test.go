package data

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
)

// TestDecodeMatchesPIL: Exif orientation, transparent GIF/PNG pixels and
// gray+alpha read as PIL reads them (ImageOps.exif_transpose, then
// convert to RGB, L and RGBA), pixel for pixel. The golden file is made by
// scripts/pil_golden.py from the fixtures of internal/messy.
func TestDecodeMatchesPIL(t *testing.T) {
	b, err := os.ReadFile("testdata/pil_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Images map[string]struct {
			Width, Height int
			RGB, L, RGBA  string
		}
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	files := messy.Files()
	dir := t.TempDir()
	for name, g := range golden.Images {
		path := filepath.Join(dir, filepath.Base(name))
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			t.Fatal(err)
		}
		tol := 0
		if strings.HasSuffix(name, ".jpg") {
			tol = 2 // libjpeg's and Go's inverse DCTs round differently
		}
		for mode, want := range map[ColorMode]string{RGB: g.RGB, Grayscale: g.L, RGBA: g.RGBA} {
			got, o, err := ReadImageFile(path, g.Height, g.Width, mode, Nearest)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if o.Width != g.Width || o.Height != g.Height {
				t.Errorf("%s: original %dx%d, PIL says %dx%d", name, o.Width, o.Height, g.Width, g.Height)
			}
			w, _ := hex.DecodeString(want)
			if len(w) != len(got) {
				t.Fatalf("%s %s: %d bytes, PIL %d", name, mode, len(got), len(w))
			}
			for i := range w {
				if d := int(got[i]) - int(w[i]); d > tol || d < -tol {
					t.Errorf("%s %s: byte %d (pixel %d) is %d, PIL %d", name, mode, i, i/mode.Channels(), got[i], w[i])
					break
				}
			}
		}
	}
}
