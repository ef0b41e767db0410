package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestBasicCNNAdamMatchesPyTorch trains the seed's basic CNN for 20 Adam
// steps from PyTorch's initial weights on a fixed batch of 16 and compares
// every loss, the first step's gradients and the final weights with
// nn/testdata/torch/basic_cnn_adam.json (Keras' Adam rule, in float32).
func TestBasicCNNAdamMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("../nn/testdata/torch/basic_cnn_adam.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Tensors map[string]struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		} `json:"tensors"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	get := func(name string) []float64 {
		v, ok := g.Tensors[name]
		if !ok {
			t.Fatalf("golden tensor %q missing", name)
		}
		return v.Data
	}
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		w := get(p.FullName())
		for i, v := range w {
			p.Value.Data[i] = float32(v)
		}
	}
	xs := get("x")
	x := tensor.New(16, 28, 28, 1)
	for i, v := range xs {
		x.Data[i] = float32(v)
	}
	var labels []int32
	for _, v := range get("labels") {
		labels = append(labels, int32(v))
	}
	target := nn.Target{Labels: labels}
	loss := &nn.SparseCategoricalCrossentropy{}
	opt := NewAdam(Config{})
	params := m.Params()
	want := get("losses")
	for step := 0; step <= 20; step++ {
		var l float64
		if step < 20 {
			var out *tensor.Tensor
			l, out = m.Gradients(x, target, nil, loss, nil)
			if step == 0 {
				expect(t, "probs_initial", out.Data, get("probs_initial"), 1e-4)
				for _, p := range params {
					if n := p.FullName(); n == "conv2d/kernel" || n == "dense_1/kernel" {
						expect(t, "grad_step1/"+n, p.Grad.Data, get("grad_step1/"+n), 1e-4)
					}
				}
			}
			opt.Step(params)
		} else {
			out := m.Forward(x, false)
			l = loss.Compute(out, target, nil, nil, nil)
		}
		if d := math.Abs(l-want[step]) / math.Abs(want[step]); d > 1e-4 {
			t.Errorf("loss before step %d = %.7g, PyTorch %.7g (relative %.2g)", step+1, l, want[step], d)
		}
	}
	for _, p := range params {
		if n := p.FullName(); n == "dense_1/kernel" || n == "dense_1/bias" {
			// Relative to the largest weight: float32 training drifts by
			// ~3e-7 absolute (see the golden README).
			expect(t, "final/"+n, p.Value.Data, get("final/"+n), 1e-4)
		}
	}
}

// expect compares got with want relative to want's largest magnitude.
func expect(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	var scale float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*scale) {
			t.Errorf("%s[%d] = %.8g, PyTorch %.8g", what, i, got[i], want[i])
			return
		}
	}
}
