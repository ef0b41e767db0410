package onnx

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/tensor"
)

// handMadeModel is an NCHW ONNX graph (opset 14) through the importer's
// paths that cnnscope's own export does not take: asymmetric Conv pads,
// Clip without a maximum, Sub/Mul/Div by scalars, Identity, Cast, Pad,
// AveragePool, HardSwish, Concat, a depthwise Conv, a MaxPool whose pads
// are Keras' "same", Gemm with transB and Softmax.
func handMadeModel() *Model {
	rng := rand.New(rand.NewPCG(4, 4))
	w := func(dims ...int64) []float32 {
		v := make([]float32, product(dims))
		for i := range v {
			v[i] = rng.Float32() - 0.5
		}
		return v
	}
	pos := func(n int) []float32 {
		v := w(int64(n))
		for i := range v {
			v[i] += 1
		}
		return v
	}
	b := newBuilder(14)
	x := "image"
	b.used[x] = true
	y := b.node("Conv", "conv", []string{x, b.floats("w1", []int64{4, 3, 3, 3}, w(4, 3, 3, 3)), b.floats("b1", []int64{4}, w(4))},
		intsAttr("pads", 1, 0, 2, 1), intsAttr("kernel_shape", 3, 3))
	y = b.node("BatchNormalization", "bn", []string{y, b.floats("g", []int64{4}, pos(4)), b.floats("be", []int64{4}, w(4)),
		b.floats("m", []int64{4}, w(4)), b.floats("v", []int64{4}, pos(4))})
	y = b.node("Clip", "relu", []string{y, b.scalar("zero", 0)})
	y = b.node("Sub", "sub", []string{y, b.scalar("tenth", 0.1)})
	y = b.node("Mul", "mul", []string{y, b.scalar("two", 2)})
	y = b.node("Identity", "id", []string{y})
	y = b.node("Cast", "cast", []string{y}, intAttr("to", typeFloat))
	y = b.node("Pad", "pad", []string{y, b.ints("pads", 0, 0, 1, 1, 0, 0, 0, 0)})
	y = b.node("AveragePool", "avg", []string{y}, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
	s := b.node("Sigmoid", "sig", []string{y})
	h := b.node("HardSwish", "hswish", []string{y})
	y = b.node("Concat", "cat", []string{s, h}, intAttr("axis", 1))
	y = b.node("Conv", "dw", []string{y, b.floats("w2", []int64{8, 1, 3, 3}, w(8, 1, 3, 3))},
		intsAttr("pads", 1, 1, 1, 1), intsAttr("kernel_shape", 3, 3), intAttr("group", 8))
	y = b.node("MaxPool", "max", []string{y}, intsAttr("kernel_shape", 3, 3), intsAttr("strides", 2, 2), intsAttr("pads", 0, 1, 1, 1)) // Keras "same" on 6x5
	y = b.node("GlobalAveragePool", "gap", []string{y})
	y = b.node("Flatten", "flat", []string{y})
	y = b.node("Gemm", "gemm", []string{y, b.floats("w3", []int64{5, 8}, w(5, 8)), b.floats("b3", []int64{5}, w(5))}, intAttr("transB", 1))
	y = b.node("Div", "div", []string{y, b.scalar("half", 0.5)})
	y = b.node("Softmax", "probs", []string{y})
	b.graph.Inputs = []ValueInfo{{Name: x, ElemType: typeFloat, Dims: []int64{-1, 3, 10, 10}, Params: []string{"N", "", "", ""}}}
	b.graph.Outputs = []ValueInfo{{Name: y, ElemType: typeFloat, Dims: []int64{-1, 5}, Params: []string{"N", ""}}}
	b.graph.Name = "hand-made"
	return &Model{IRVersion: 8, Opset: 14, Graph: b.graph}
}

// TestImportMatchesOnnxruntime imports the hand-made graph and compares
// cnnscope's probabilities with onnxruntime's on 50 images.
func TestImportMatchesOnnxruntime(t *testing.T) {
	ck := findCheckers(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "hand.onnx")
	if err := os.WriteFile(path, handMadeModel().Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	im, err := Import(b, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := randomImages(tensor.Shape{10, 10, 3}, 50, &data.Preprocess{Rescale: 1.0 / 64}, 8)
	want := append([]float32(nil), im.Model.Forward(x, false).Data...)
	job := ortJob{Model: path, Input: filepath.Join(dir, "in"), Output: filepath.Join(dir, "out"), Dims: []int{50, 3, 10, 10}}
	writeFloats(t, job.Input, toNCHW(x))
	js, _ := json.Marshal([]ortJob{job})
	if err := os.WriteFile(filepath.Join(dir, "jobs.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ck.python, "testdata/check.py", path)
	run(t, ck.node, "testdata/ort_run.js", ck.ort, filepath.Join(dir, "jobs.json"))
	got := readFloats(t, job.Output)
	if len(got) != len(want) {
		t.Fatalf("onnxruntime gave %d values, cnnscope %d", len(got), len(want))
	}
	d := maxAbsDiff(got, want)
	lo, hi := spread(want)
	t.Logf("hand-made graph, %d layers: max |onnxruntime - cnnscope| = %.3g (probabilities %.3g to %.3g)", len(im.Model.Nodes()), d, lo, hi)
	if d > 1e-5 {
		t.Errorf("cnnscope differs from onnxruntime by %g", d)
	}
}
