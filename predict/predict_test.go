package predict

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/internal/testmodel"
)

// TestPredictorFiles: the library predicts files and in-memory images
// alike, keeps going past a bad file, and says how an image differs from
// the model's input.
func TestPredictorFiles(t *testing.T) {
	p, err := Load(testmodel.TinyCNN(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"good.png":  messy.PNG(messy.Gray(24, 16, 1)),
		"bomb.png":  messy.Bomb(100000, 100000),
		"photo.jpg": messy.JPEG(messy.Colorful(64, 48, 2)),
	}
	var paths []string
	for _, n := range []string{"good.png", "bomb.png", "photo.jpg"} {
		paths = append(paths, filepath.Join(dir, n))
		if err := os.WriteFile(paths[len(paths)-1], files[n], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	preds := p.PredictFiles(paths, Options{Top: 2, Batch: 2})
	if preds[1].Err == nil || !strings.Contains(preds[1].Err.Error(), "more than") {
		t.Errorf("bomb: err %v, want the pixel limit", preds[1].Err)
	}
	for _, i := range []int{0, 2} {
		pr := preds[i]
		if pr.Err != nil || len(pr.Top) != 2 || pr.Top[0].Class != pr.Class || pr.Top[0].Probability < pr.Top[1].Probability {
			t.Errorf("%s: %+v", paths[i], pr)
		}
		if pr.Probability <= 0 || pr.Probability > 1 || math.IsNaN(pr.Probability) {
			t.Errorf("%s: probability %v", paths[i], pr.Probability)
		}
	}
	if preds[0].Mismatch != "" {
		t.Errorf("good.png: mismatch %q, want none", preds[0].Mismatch)
	}
	if want := "64x48 rgb image resized to 24x16 and converted to grayscale"; preds[2].Mismatch != want {
		t.Errorf("photo.jpg: mismatch %q, want %q", preds[2].Mismatch, want)
	}
	// The same image in memory gives the same probabilities.
	mem := p.PredictImages([]image.Image{messy.Gray(24, 16, 1)}, Options{})
	if mem[0].Err != nil || mem[0].Class != preds[0].Class || mem[0].Probability != preds[0].Probability {
		t.Errorf("in memory %+v, from the file %+v", mem[0], preds[0])
	}
}
