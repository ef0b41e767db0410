package onnx

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// oddLayer is a layer type the exporter does not know.
type oddLayer struct{ nn.Flatten }

func (oddLayer) Type() string { return "Odd" }

func TestExportRefuses(t *testing.T) {
	m := nn.NewSequential(tensor.Shape{4, 4, 1}, &oddLayer{}, &nn.Dense{Units: 2, Activation: "softmax"})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err := Export(&buf, m, ExportOptions{})
	if err == nil || !strings.Contains(err.Error(), "(Odd) has no ONNX form") || buf.Len() != 0 {
		t.Errorf("unknown layer: err %v, %d bytes written; want an error naming the layer, nothing written", err, buf.Len())
	}
	for _, o := range []ExportOptions{{Opset: 10}, {Opset: 22}, {Layout: "hwcn"}} {
		if err := Export(&buf, built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 3), 1), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestConvKernelOrder checks the kernel reorderings element by element.
func TestConvKernelOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	k := tensor.New(2, 3, 4, 5)
	for i := range k.Data {
		k.Data[i] = rng.Float32()
	}
	w := hwioToOIHW(k)
	at := func(h, x, i, o int) float32 { return k.Data[((h*3+x)*4+i)*5+o] }
	if w.data[((4*4+2)*2+1)*3+2] != at(1, 2, 2, 4) || w.data[0] != at(0, 0, 0, 0) || len(w.dims) != 4 || w.dims[0] != 5 {
		t.Errorf("hwioToOIHW: dims %v, element mismatch", w.dims)
	}
	d := depthwiseToOIHW(k) // C = 4, M = 5: output channel c*5+j
	if d.data[((2*5+3)*2+1)*3+0] != at(1, 0, 2, 3) || d.dims[0] != 20 || d.dims[1] != 1 {
		t.Errorf("depthwiseToOIHW: dims %v, element mismatch", d.dims)
	}
}
