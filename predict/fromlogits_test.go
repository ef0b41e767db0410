package predict

import (
	"image"
	"math"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/messy"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestPredictFromLogits: a model saved as trained from logits (a linear
// last layer) reports the softmax of its outputs: each image's
// probabilities over all classes sum to 1, in the logits' order, and
// equal the softmax of the model's own output on the same image.
func TestPredictFromLogits(t *testing.T) {
	m := nn.NewSequential(tensor.Shape{8, 8, 1}, &nn.Flatten{}, &nn.Dense{Units: 4})
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() { // logits far from [0, 1]
		for i := range p.Value.Data {
			p.Value.Data[i] *= 8
		}
	}
	dir := t.TempDir()
	pp := data.Preprocess{Rescale: 1.0 / 255}
	info := modelfile.File{Classes: []string{"a", "b", "c", "d"}, Preprocessing: pp, Loss: "sparse_categorical_crossentropy", FromLogits: true}
	if err := modelfile.SaveFile(dir, m, info); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	imgs := []image.Image{messy.Gray(8, 8, 1), messy.Gray(8, 8, 2), messy.Colorful(8, 8, 3)}
	preds := p.PredictImages(imgs, Options{Top: 4})
	for i, pr := range preds {
		if pr.Err != nil {
			t.Fatal(pr.Err)
		}
		pix, err := data.ImagePixels(imgs[i], 8, 8, data.Grayscale, data.Nearest)
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.New(1, 8, 8, 1)
		pp.Apply(x.Data, pix, 1)
		logits := m.Forward(x, false).Data
		want := nn.OutputProbabilities(&nn.SparseCategoricalCrossentropy{FromLogits: true}, tensor.FromData(append([]float32(nil), logits...), 1, 4), nil).Data
		var sum float64
		outside := false
		for k, c := range pr.Top {
			j := int(c.Class[0] - 'a')
			sum += c.Probability
			if math.Abs(c.Probability-float64(want[j])) > 1e-6 || k > 0 && c.Probability > pr.Top[k-1].Probability {
				t.Errorf("image %d: %s %v, softmax %v (top %+v)", i, c.Class, c.Probability, want[j], pr.Top)
			}
			outside = outside || logits[j] < 0 || logits[j] > 1
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("image %d: probabilities sum to %v: %+v", i, sum, pr.Top)
		}
		if !outside {
			t.Errorf("image %d: logits %v all in [0, 1]: the test would not tell logits from probabilities", i, logits)
		}
	}
}
