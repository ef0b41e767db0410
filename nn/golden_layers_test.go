package nn

import (
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// PyTorch golden tests of the graph layers (testdata/torch/golden_layers.py).

func TestGoldenDepthwiseSeparable(t *testing.T) {
	g := loadGolden(t, "depthwise")
	for _, c := range []struct {
		prefix string
		layer  Layer
	}{
		{"dw_same_s1/", &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same"}},
		{"dw_same_s2_m2/", &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DepthMultiplier: 2}},
		{"dw_valid_2x3_s21/", &DepthwiseConv2D{KernelSize: [2]int{2, 3}, Strides: [2]int{2, 1}, DepthMultiplier: 3, NoBias: true}},
		{"dw_same_s2_c20/", &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}},
		{"dw_same_s1_c70/", &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true}},
		{"sep/", &SeparableConv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DepthMultiplier: 2}},
	} {
		t.Run(c.prefix, func(t *testing.T) { checkLayerGolden(t, g, c.layer, c.prefix, "y", true) })
	}
}

func TestGoldenShapeLayers(t *testing.T) {
	g := loadGolden(t, "merge_shape")
	x := g.tensor(t, "x")
	for _, c := range []struct {
		key   string
		layer Layer
	}{
		{"zeropad", &ZeroPadding2D{Padding: [4]int{1, 2, 0, 3}}},
		{"gmp", &GlobalMaxPooling2D{}},
		{"reshape", &Reshape{TargetShape: []int{12, -1}}},
		{"rescaling", &Rescaling{Scale: 1.0 / 255, Offset: -0.5}},
	} {
		t.Run(c.key, func(t *testing.T) {
			l := c.layer
			if _, err := l.Build(x.Shape[1:], nil); err != nil {
				t.Fatal(err)
			}
			expectGolden(t, c.key+"/y", l.Forward(x, true).Data, g.raw(t, c.key+"/y"))
			expectGolden(t, c.key+"/dx", l.Backward(g.tensor(t, c.key+"/dy"), true).Data, g.raw(t, c.key+"/dx"))
		})
	}
}

func TestGoldenMerge(t *testing.T) {
	g := loadGolden(t, "merge_shape")
	for _, c := range []struct {
		key    string
		layer  MultiInput
		inputs []string
	}{
		{"add", &Add{}, []string{"a", "b"}},
		{"multiply", &Multiply{}, []string{"a", "b"}},
		{"multiply_se", &Multiply{}, []string{"a", "se"}},
		{"concat", &Concatenate{}, []string{"a", "c"}},
	} {
		t.Run(c.key, func(t *testing.T) {
			var xs []*tensor.Tensor
			var shapes []tensor.Shape
			for _, name := range c.inputs {
				x := g.tensor(t, name)
				xs, shapes = append(xs, x), append(shapes, x.Shape[1:])
			}
			if _, err := c.layer.BuildInputs(shapes); err != nil {
				t.Fatal(err)
			}
			expectGolden(t, c.key+"/y", c.layer.ForwardInputs(xs, true).Data, g.raw(t, c.key+"/y"))
			dxs := c.layer.BackwardInputs(g.tensor(t, c.key+"/dy"))
			for i, name := range c.inputs {
				expectGolden(t, c.key+"/d"+name, dxs[i].Data, g.raw(t, c.key+"/d"+name))
			}
		})
	}
}
