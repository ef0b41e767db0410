package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rgbFolder writes classes × n small 32x32 colour PNGs, one tint per class.
func rgbFolder(t *testing.T, classes, n int) string {
	t.Helper()
	dir := t.TempDir()
	for c := 0; c < classes; c++ {
		sub := filepath.Join(dir, "class"+string(rune('a'+c)))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			img := image.NewRGBA(image.Rect(0, 0, 32, 32))
			for p := range 32 * 32 {
				v := uint8((p*7 + i*13) % 60)
				tint := [3]uint8{v, v, v}
				tint[c%3] += 150
				img.Set(p%32, p/32, color.RGBA{tint[0], tint[1], tint[2], 255})
			}
			f, err := os.Create(filepath.Join(sub, string(rune('a'+i))+".png"))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	return dir
}

// resnet-20 trains on a colour folder end to end and its run directory
// serves evaluate and predict.
func TestTrainResNet20OnColourFolder(t *testing.T) {
	data := rgbFolder(t, 3, 4)
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI("train", "--data", data, "--model", "resnet-20", "--epochs", "1", "--batch", "8", "--out", out)
	if code != 0 {
		t.Fatalf("train exit %d:\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"model.json", "model.safetensors", "report.html", "diagnosis.json", "checkpoints/last.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	if code, _, stderr := runCLI("evaluate", out, "--data", data); code != 0 {
		t.Errorf("evaluate exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runCLI("predict", out, filepath.Join(data, "classa", "a.png"))
	if code != 0 || !strings.Contains(stdout, "a.png") {
		t.Errorf("predict exit %d: %s%s", code, stdout, stderr)
	}
}
