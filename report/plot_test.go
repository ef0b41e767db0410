package report

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plot can be written again over itself (.svg and .png carry the
// generator marker; the PNG still decodes with its CRCs checked); a
// file of the user's is still refused.
func TestPlotReplacesItsOwnFileOnly(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV})
	out := t.TempDir()
	for _, name := range []string{"curves.svg", "curves.png"} {
		path := filepath.Join(out, name)
		for i := range 2 {
			if err := Plot(t.Context(), dir, "curves", path); err != nil {
				t.Fatalf("%s, write %d: %v", name, i+1, err)
			}
		}
		if strings.HasSuffix(name, ".png") {
			f, _ := os.Open(path)
			_, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	mine := filepath.Join(out, "mine.svg")
	os.WriteFile(mine, []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), 0o644)
	if err := Plot(t.Context(), dir, "curves", mine); err == nil {
		t.Error("a user's SVG was replaced")
	}
}
