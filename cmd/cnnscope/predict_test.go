package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// TestPredictKeepsGoodImagesPastABomb: one decompression bomb among 90
// good images costs only its own row: exit 2, one stderr line naming it,
// an error row, every good image predicted; a Latin-1 file name is read
// and shown escaped; a photo of another size and mode is warned about.
func TestPredictKeepsGoodImagesPastABomb(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{messy.BombFile: messy.Bomb(100000, 100000), messy.NonUTF8File: messy.PNG(messy.Gray(24, 16, 5)),
		"photo.jpg": messy.JPEG(messy.Colorful(64, 48, 1))}
	for i := range 89 {
		files[fmt.Sprintf("%02d.png", i)] = messy.PNG(messy.Gray(24, 16, i))
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCLI("predict", testmodel.TinyCNN(t), dir, "--format", "csv")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+92 {
		t.Fatalf("%d rows, want a header and 92", len(rows))
	}
	bad, escaped := 0, false
	for _, r := range rows[1:] {
		if r[4] != "" {
			bad++
			if !strings.HasSuffix(r[0], messy.BombFile) || !strings.Contains(r[4], "more than") {
				t.Errorf("error row %q", r)
			}
			continue
		}
		if r[1] == "" || r[2] == "" {
			t.Errorf("row without a prediction: %q", r)
		}
		escaped = escaped || strings.HasSuffix(r[0], `caf\xe9.png`)
	}
	if bad != 1 || !escaped {
		t.Errorf("%d error rows (want 1); Latin-1 name shown escaped: %v", bad, escaped)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	want := []string{messy.BombFile + ": image of 100000x100000 pixels",
		"warning: 1 image(s), e.g. " + filepath.Join(dir, "photo.jpg") + ": 64x48 rgb image resized to 24x16 and converted to grayscale",
		"1 of 92 image(s) could not be read"}
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), errs)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("stderr line %d: %q, want %q", i+1, lines[i], w)
		}
	}
}
