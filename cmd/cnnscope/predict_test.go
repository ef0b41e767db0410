package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/internal/testmodel"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
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
		"warning: 1 image(s), e.g. " + filepath.Join(dir, "photo.jpg") + ": 64x48 rgb image resized to 24x16 and converted to grayscale (the model was trained on 24x16 grayscale images; sizes are width x height)",
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

// TestPredictMissingFileIsAnErrorRow: a missing file and a folder without
// images among the arguments are error rows in the arguments' order, as a
// corrupt image is, each a line on stderr; the good image is still
// classified, and the exit code is 2 (issue 10: the command used to
// abort with no rows).
func TestPredictMissingFileIsAnErrorRow(t *testing.T) {
	dir := t.TempDir()
	good, corrupt, missing, empty := filepath.Join(dir, "good.png"), filepath.Join(dir, "corrupt.png"), filepath.Join(dir, "nosuch.png"), filepath.Join(dir, "empty")
	if err := os.WriteFile(good, messy.PNG(messy.Gray(24, 16, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corrupt, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("predict", testmodel.TinyCNN(t), missing, good, empty, corrupt, "--format", "csv")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ file, err string }{{missing, "no such file"}, {good, ""}, {empty, "no image files"}, {corrupt, "corrupt.png"}}
	if len(rows) != 1+len(want) {
		t.Fatalf("%d rows, want a header and %d:\n%s", len(rows), len(want), out)
	}
	for i, w := range want {
		r := rows[1+i]
		if r[0] != w.file || (w.err == "") != (r[4] == "") || !strings.Contains(r[4], w.err) || (w.err == "") == (r[1] == "") || (w.err == "") == (r[2] == "") {
			t.Errorf("row %d: %q, want file %s, error containing %q (an error row with no class or probability)", i+1, r, w.file, w.err)
		}
	}
	// The count was "3 of 4 image(s) could not be read": it counted rows,
	// but two arguments gave no image at all (one does not exist, one is a
	// folder without images); it now counts images and arguments apart.
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	count := "1 of 2 image(s) could not be read; of 4 argument(s), 1 path(s) not found and 1 folder(s) without image files (error rows in the output)"
	if len(lines) != 4 || !strings.Contains(lines[0], "nosuch.png") || !strings.Contains(lines[1], "empty") || !strings.HasSuffix(lines[3], count) {
		t.Errorf("stderr:\n%s\nwant the three bad arguments in order, then the count %q", errs, count)
	}
	// A missing path alone is no image that could not be read.
	code, _, errs = runCLI("predict", testmodel.TinyCNN(t), missing)
	if want := "of 1 argument(s), 1 path(s) not found (error rows in the output)"; code != 2 || !strings.HasSuffix(strings.TrimSpace(errs), want) || strings.Contains(errs, "image(s) could not be read") {
		t.Errorf("a missing path alone: exit %d, stderr:\n%s\nwant exit 2 and the count %q", code, errs, want)
	}
}

// TestPredictTopKAboveClassesRefused: --top-k above the model's class
// count is refused before any image is read (exit 2, one line naming the
// flag and the count), as evaluate refuses it; --top-k equal to the count
// lists every class.
func TestPredictTopKAboveClassesRefused(t *testing.T) {
	img := filepath.Join(t.TempDir(), "a.png")
	if err := os.WriteFile(img, messy.PNG(messy.Gray(24, 16, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	model := testmodel.TinyCNN(t)
	code, out, errs := runCLI("predict", model, img, "--top-k", "4")
	if code != 2 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 ||
		!strings.Contains(errs, "--top-k 4: want at most the model's 3 classes") {
		t.Errorf("--top-k 4 of 3 classes: exit %d, stdout %q, stderr %q; want exit 2, no output, one line naming --top-k and the 3 classes", code, out, errs)
	}
	code, out, errs = runCLI("predict", model, img, "--top-k", "3", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 2 || strings.Count(rows[1][3], "=") != 3 {
		t.Errorf("--top-k 3 of 3 classes: exit %d, stderr %q, output %q; want every class listed", code, errs, out)
	}
}

// TestPredictDefaultTopKOfTwoClasses: predict without --top-k on a model
// of two classes (fewer than the default 3) lists both; it was refused
// ('--top-k 3: want at most the model's 2 classes') although the flag
// was not given. A --top-k 3 given is still refused.
func TestPredictDefaultTopKOfTwoClasses(t *testing.T) {
	img := filepath.Join(t.TempDir(), "a.png")
	if err := os.WriteFile(img, messy.PNG(messy.Gray(8, 8, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := nn.NewSequential(tensor.Shape{8, 8, 1}, &nn.Flatten{}, &nn.Dense{Units: 2, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	model := t.TempDir()
	if err := modelfile.Save(model, m, []string{"cat", "dog"}, &data.Preprocess{Rescale: 1.0 / 255}, "sparse_categorical_crossentropy", "nearest"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("predict", model, img, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 2 || strings.Count(rows[1][3], "=") != 2 {
		t.Errorf("predict of a 2-class model without --top-k: exit %d, stderr %q, output %q; want both classes listed", code, errs, out)
	}
	code, out, errs = runCLI("predict", model, img, "--top-k", "3")
	if code != 2 || out != "" || !strings.Contains(errs, "--top-k 3: want at most the model's 2 classes") {
		t.Errorf("--top-k 3 of 2 classes: exit %d, stdout %q, stderr %q; want exit 2 naming --top-k and the 2 classes", code, out, errs)
	}
}
