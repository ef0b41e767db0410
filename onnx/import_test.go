package onnx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestExportImportRoundTrip: a cnnscope model exported (both layouts)
// and imported back gives the same probabilities on 20 images, and keeps
// its classes and preprocessing.
func TestExportImportRoundTrip(t *testing.T) {
	pp := &data.Preprocess{Rescale: 1.0 / 255}
	cases := []struct {
		name  string
		model nn.Model
	}{
		{"basic-cnn", built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 10), 1)},
		{"vgg-small", built(t, nn.VGGSmall(tensor.Shape{32, 32, 3}, 10), 2)},
		{"resnet-20", built(t, nn.ResNet20(tensor.Shape{32, 32, 3}, 10), 3)},
		{"mobilenet-v2-small", built(t, nn.MobileNetV2Small(tensor.Shape{32, 32, 3}, 10), 4)},
	}
	for _, c := range cases {
		x := randomImages(c.model.InputShape(), 20, pp, 5)
		want := sharpen(t, c.model, x)
		for _, layout := range []string{LayoutNHWC, LayoutNCHW} {
			var buf bytes.Buffer
			if err := Export(&buf, c.model, ExportOptions{Layout: layout, Classes: []string{"x"}, Preprocess: pp}); err != nil {
				t.Fatal(err)
			}
			im, err := Import(buf.Bytes(), ImportOptions{})
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, layout, err)
			}
			got := im.Model.Forward(x, false).Data
			if d := maxAbsDiff(got, want); d > 1e-5 {
				t.Errorf("%s %s: imported model differs by %g", c.name, layout, d)
			}
			if im.InputLayout != layout || len(im.Classes) != 1 || im.Preprocess == nil || im.Preprocess.Rescale != pp.Rescale {
				t.Errorf("%s %s: layout %s, classes %v, preprocessing %+v", c.name, layout, im.InputLayout, im.Classes, im.Preprocess)
			}
		}
	}
}

// TestImportRefusesUnknownOps: an op outside the list is one error
// naming the op and the node.
func TestImportRefusesUnknownOps(t *testing.T) {
	m := built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 3), 1)
	pm, err := Convert(m, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pm.Graph.Nodes[3].Op, pm.Graph.Nodes[3].Name = "LpNormalization", "odd_node"
	_, err = FromModel(pm, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), `node "odd_node" (LpNormalization): op LpNormalization is not supported`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v", err)
	}
	if _, err := Import([]byte{0x0a, 0xff}, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "not an ONNX model") {
		t.Errorf("garbage: err = %v", err)
	}
}
