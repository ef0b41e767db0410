package onnx

import (
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestImportNHWCInputWithoutMetadata: a channels-last input whose every
// consumer is the Transpose to NCHW (perm 0,3,1,2: what tf2onnx writes
// for a Keras model, and cnnscope's own NHWC export) is taken as NHWC
// without cnnscope's metadata. It was refused: "transpose [0 3 1 2] of a
// [32 32 3] tensor: only between NCHW and NHWC" (the input read as NCHW).
func TestImportNHWCInputWithoutMetadata(t *testing.T) {
	pp := &data.Preprocess{Rescale: 1.0 / 255}
	for i, m := range []nn.Model{
		built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 10), 1),
		built(t, nn.ResNet20(tensor.Shape{32, 32, 3}, 10), 3),
	} {
		x := randomImages(m.InputShape(), 8, pp, 5)
		want := sharpen(t, m, x) // before the export: it sharpens the weights
		pm, err := Convert(m, ExportOptions{Layout: LayoutNHWC})
		if err != nil {
			t.Fatal(err)
		}
		pm.Metadata = nil
		im, err := FromModel(pm, ImportOptions{})
		if err != nil {
			t.Fatalf("model %d: %v", i, err)
		}
		if im.InputLayout != LayoutNHWC {
			t.Errorf("model %d: layout %s, want nhwc", i, im.InputLayout)
		}
		if d := maxAbsDiff(im.Model.Forward(x, false).Data, want); d > 1e-5 {
			t.Errorf("model %d: imported model differs by %g", i, d)
		}
	}
	// An NCHW export without metadata stays NCHW.
	m := built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 10), 1)
	pm, err := Convert(m, ExportOptions{Layout: LayoutNCHW})
	if err != nil {
		t.Fatal(err)
	}
	pm.Metadata = nil
	if im, err := FromModel(pm, ImportOptions{}); err != nil || im.InputLayout != LayoutNCHW {
		t.Errorf("nchw: %v", err)
	}
}
