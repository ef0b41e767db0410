package onnx

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestExportAppendsOutputActivation: a model trained from logits (a
// linear last layer) exported with OutputActivation gives, read back,
// the softmax (sigmoid) of the model's logits, in both layouts, says so
// in its metadata, and keeps the last layer's name for its output; an
// unknown activation is refused.
func TestExportAppendsOutputActivation(t *testing.T) {
	pp := &data.Preprocess{Rescale: 1.0 / 255}
	m := built(t, nn.NewSequential(tensor.Shape{8, 8, 3},
		&nn.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Activation: "relu"}, &nn.BatchNormalization{},
		&nn.Flatten{}, &nn.Dense{Units: 5}), 11)
	x := randomImages(m.InputShape(), 6, pp, 12)
	logits := m.Forward(x, false).Clone()
	if lo, hi := spread(logits.Data); lo >= 0 && hi <= 1 {
		t.Fatalf("logits %v..%v lie in [0, 1]: the test would not tell them from probabilities", lo, hi)
	}
	for _, c := range []struct {
		act  string
		loss nn.Loss
	}{
		{"softmax", &nn.SparseCategoricalCrossentropy{FromLogits: true}},
		{"sigmoid", &nn.BinaryCrossentropy{FromLogits: true}},
	} {
		want := nn.OutputProbabilities(c.loss, logits, nil).Data
		for _, layout := range []string{LayoutNHWC, LayoutNCHW} {
			var buf bytes.Buffer
			if err := Export(&buf, m, ExportOptions{Layout: layout, Preprocess: pp, OutputActivation: c.act}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(buf.Bytes(), []byte("cnnscope.output")) {
				t.Errorf("%s %s: no cnnscope.output in the metadata", c.act, layout)
			}
			im, err := Import(buf.Bytes(), ImportOptions{})
			if err != nil {
				t.Fatalf("%s %s: %v", c.act, layout, err)
			}
			got := im.Model.Forward(x, false).Data
			if d := maxAbsDiff(got, want); d > 1e-5 || math.IsNaN(d) {
				t.Errorf("%s %s: the exported model differs from the %s of the logits by %g", c.act, layout, c.act, d)
			}
		}
	}
	pm, err := Convert(m, ExportOptions{OutputActivation: "softmax"})
	if err != nil {
		t.Fatal(err)
	}
	if out := pm.Graph.Outputs[0].Name; out != "dense" {
		t.Errorf("output named %q, want the last layer's name dense", out)
	}
	if _, err := Convert(m, ExportOptions{OutputActivation: "tanh"}); err == nil || !strings.Contains(err.Error(), `output activation "tanh"`) {
		t.Errorf("tanh: %v", err)
	}
}
