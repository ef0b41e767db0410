package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// The external checkers: Debian's python3-onnx (onnx.checker) and npm's
// onnxruntime-node under the repository's .tools folder; .ci/run
// installs both.
const ortInstall = "npm install --prefix .tools --ignore-scripts onnxruntime-node@1.30.0 (in the repository root)"

type checkers struct{ python, node, ort string }

func findCheckers(t *testing.T) checkers {
	t.Helper()
	c := checkers{python: "/usr/bin/python3"}
	if err := exec.Command(c.python, "-c", "import onnx").Run(); err != nil {
		t.Skipf("skipped: python3-onnx is not installed (apt-get install python3-onnx): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipped: node is not installed (apt-get install nodejs)")
	}
	c.node = node
	ort, err := filepath.Abs(filepath.Join("..", ".tools", "node_modules", "onnxruntime-node"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ort, "package.json")); err != nil {
		t.Skipf("skipped: onnxruntime-node is not installed: %s", ortInstall)
	}
	c.ort = ort
	return c
}

// ortCase is one model exported and run by onnxruntime.
type ortCase struct {
	name   string
	model  nn.Model
	opts   ExportOptions
	images int
}

// randomImages returns n preprocessed random images (pixels 0..255, the
// given preprocessing) as a batch, seeded.
func randomImages(shape tensor.Shape, n int, pp *data.Preprocess, seed uint64) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := tensor.New(append([]int{n}, shape...)...)
	px := make([]uint8, shape.Size())
	for i := range n {
		for j := range px {
			px[j] = uint8(rng.IntN(256))
		}
		pp.Apply(x.Data[i*len(px):(i+1)*len(px)], px, shape[len(shape)-1])
	}
	return x
}

// toNCHW reorders a batch of NHWC images.
func toNCHW(x *tensor.Tensor) []float32 {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	y := make([]float32, len(x.Data))
	for s := range n {
		for i := range h {
			for j := range w {
				for k := range c {
					y[((s*c+k)*h+i)*w+j] = x.Data[((s*h+i)*w+j)*c+k]
				}
			}
		}
	}
	return y
}

func writeFloats(t *testing.T, path string, v []float32) {
	b := make([]byte, 0, 4*len(v))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFloats(t *testing.T, path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

type ortJob struct {
	Model  string `json:"model"`
	Input  string `json:"input"`
	Dims   []int  `json:"dims"`
	Output string `json:"output"`
}

// checkedFile is what check.py reports of one file.
type checkedFile struct {
	Opset    int               `json:"opset"`
	Metadata map[string]string `json:"metadata"`
	Inputs   [][2]any          `json:"inputs"`
	Outputs  [][2]any          `json:"outputs"`
}

// prepare exports c's model and writes its input batch; it returns the
// onnxruntime job and cnnscope's own output for the same batch.
func (c ortCase) prepare(t *testing.T, dir string) (ortJob, []float32) {
	in := c.model.InputShape()
	x := randomImages(in, c.images, c.opts.Preprocess, 11)
	want := sharpen(t, c.model, x)
	path := filepath.Join(dir, c.name+".onnx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Export(f, c.model, c.opts); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	job := ortJob{Model: path, Input: filepath.Join(dir, c.name+".in"), Output: filepath.Join(dir, c.name+".out"), Dims: x.Shape}
	if c.opts.Layout == LayoutNCHW {
		writeFloats(t, job.Input, toNCHW(x))
		job.Dims = []int{c.images, in[2], in[0], in[1]}
	} else {
		writeFloats(t, job.Input, x.Data)
	}
	return job, want
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		msg := ""
		if e, ok := err.(*exec.ExitError); ok {
			msg = string(e.Stderr)
		}
		t.Fatalf("%s %v: %v\n%s", name, args, err, msg)
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestOnnxruntimeReproducesCnnscope exports basic-cnn, vgg-small,
// resnet-20, mobilenet-v2-small and two models covering every exported
// layer and activation, checks each file with onnx.checker (full check)
// and compares onnxruntime's probabilities on 100 images with cnnscope's.
func TestOnnxruntimeReproducesCnnscope(t *testing.T) {
	ck := findCheckers(t)
	pp := &data.Preprocess{Rescale: 1.0 / 255}
	fw := &data.Preprocess{Rescale: 1.0 / 255, FeaturewiseCenter: true, FeaturewiseStdNormalization: true,
		Mean: []float32{0.4, 0.5, 0.6}, Std: []float32{0.2, 0.25, 0.3}}
	classes := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	cases := []ortCase{
		{"basic-cnn", built(t, nn.BasicCNN(tensor.Shape{28, 28, 1}, 10), 1), ExportOptions{Preprocess: pp, Classes: classes}, 100},
		{"vgg-small", built(t, nn.VGGSmall(tensor.Shape{32, 32, 3}, 10), 2), ExportOptions{Preprocess: fw, Classes: classes}, 100},
		{"vgg-small-nchw", built(t, nn.VGGSmall(tensor.Shape{32, 32, 3}, 10), 2), ExportOptions{Preprocess: fw, Layout: LayoutNCHW, Opset: 17}, 100},
		{"resnet-20", built(t, nn.ResNet20(tensor.Shape{32, 32, 3}, 10), 3), ExportOptions{Preprocess: pp, Classes: classes}, 100},
		{"mobilenet-v2-small", built(t, nn.MobileNetV2Small(tensor.Shape{32, 32, 3}, 10), 4), ExportOptions{Preprocess: pp, Opset: 11}, 100},
		{"all-layers", built(t, allLayersGraph(), 5), ExportOptions{Preprocess: pp}, 100},
		{"all-layers-nchw-opset21", built(t, allLayersGraph(), 5), ExportOptions{Preprocess: pp, Layout: LayoutNCHW, Opset: 21}, 100},
		{"activations", built(t, activationsModel(), 6), ExportOptions{Preprocess: pp, Opset: 14}, 100},
	}
	dir := t.TempDir()
	var jobs []ortJob
	var wants [][]float32
	var checked []string
	for _, c := range cases {
		job, want := c.prepare(t, dir)
		jobs, wants = append(jobs, job), append(wants, want)
		if c.opts.Opset <= 17 { // python3-onnx 1.12 knows opsets up to 17
			checked = append(checked, job.Model)
		}
	}
	var files map[string]checkedFile
	if err := json.Unmarshal(run(t, ck.python, append([]string{"testdata/check.py"}, checked...)...), &files); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(jobs)
	jobsPath := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(jobsPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ck.node, "testdata/ort_run.js", ck.ort, jobsPath)
	for i, c := range cases {
		got := readFloats(t, jobs[i].Output)
		if len(got) != len(wants[i]) {
			t.Errorf("%s: onnxruntime gave %d values, cnnscope %d", c.name, len(got), len(wants[i]))
			continue
		}
		d := maxAbsDiff(got, wants[i])
		lo, hi := spread(wants[i])
		o, _ := c.opts.Checked()
		t.Logf("%-24s opset %2d layout %-4s: %d images, max |onnxruntime - cnnscope| = %.3g (cnnscope's probabilities %.3g to %.3g)",
			c.name, o.Opset, o.Layout, c.images, d, lo, hi)
		if hi-lo < 0.5 {
			t.Errorf("%s: probabilities only from %g to %g: too flat a model to compare", c.name, lo, hi)
		}
		if d > 1e-5 || math.IsNaN(d) {
			t.Errorf("%s: onnxruntime differs from cnnscope by %g (want <= 1e-5)", c.name, d)
		}
	}
	checkMetadata(t, files[jobs[1].Model], fw, classes)
}

// sharpen scales the last layer's weights up until the model's
// probabilities on x spread over at least 0.5 (randomly initialized
// models are nearly uniform, which would hide errors), and returns them.
func sharpen(t *testing.T, m nn.Model, x *tensor.Tensor) []float32 {
	t.Helper()
	nodes := m.Nodes()
	last := nodes[len(nodes)-1].Layer
	for range 12 {
		y := m.Forward(x, false).Data
		if lo, hi := spread(y); hi-lo >= 0.5 {
			return append([]float32(nil), y...)
		}
		for _, p := range last.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] *= 2
			}
		}
	}
	t.Fatalf("%s: probabilities stay flat", m.Name())
	return nil
}

func spread(v []float32) (lo, hi float32) {
	lo, hi = v[0], v[0]
	for _, f := range v {
		lo, hi = min(lo, f), max(hi, f)
	}
	return lo, hi
}

// checkMetadata checks what onnx (python) reads back of vgg-small's file.
func checkMetadata(t *testing.T, f checkedFile, pp *data.Preprocess, classes []string) {
	t.Helper()
	var gotPP data.Preprocess
	if err := json.Unmarshal([]byte(f.Metadata["cnnscope.preprocessing"]), &gotPP); err != nil {
		t.Fatalf("metadata cnnscope.preprocessing: %v (metadata %v)", err, f.Metadata)
	}
	if fmt.Sprint(gotPP) != fmt.Sprint(*pp) {
		t.Errorf("preprocessing read back %+v, want %+v", gotPP, *pp)
	}
	var gotClasses []string
	if err := json.Unmarshal([]byte(f.Metadata["cnnscope.classes"]), &gotClasses); err != nil || fmt.Sprint(gotClasses) != fmt.Sprint(classes) {
		t.Errorf("classes read back %q (%v), want %q", f.Metadata["cnnscope.classes"], err, classes)
	}
	if f.Metadata["cnnscope.input_layout"] != "NHWC" || f.Metadata["cnnscope.target_size"] != "32,32" {
		t.Errorf("layout %q, target size %q: want NHWC, 32,32", f.Metadata["cnnscope.input_layout"], f.Metadata["cnnscope.target_size"])
	}
	if got := fmt.Sprint(f.Inputs); got != "[[input_layer [batch 32 32 3]]]" {
		t.Errorf("inputs %s, want input_layer (batch, 32, 32, 3)", got)
	}
	if f.Opset != DefaultOpset {
		t.Errorf("opset %d, want %d", f.Opset, DefaultOpset)
	}
}
