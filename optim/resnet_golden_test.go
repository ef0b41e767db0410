package optim

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// splitMix64 is the generator nn/testdata/torch/golden_resnet.py draws the
// ResNet-20 twin's weights and inputs from, so neither is stored.
type splitMix64 uint64

func (s *splitMix64) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// draw fills v with float32(lo + (hi-lo)*u), u uniform in [0, 1).
func (s *splitMix64) draw(v []float32, lo, hi float64) {
	for i := range v {
		u := float64(s.next()>>11) * (1.0 / (1 << 53))
		v[i] = float32(lo + (hi-lo)*u)
	}
}

// TestResNet20MatchesPyTorch runs the resnet-20 preset's forward, backward
// and 10 steps of Adam on 2 images from the same weights as the PyTorch
// twin (float64) and compares probabilities, the first step's gradients,
// every loss and the final weights within 1e-4 relative (to each tensor's
// largest magnitude; losses each to their own).
func TestResNet20MatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("../nn/testdata/torch/resnet20_adam.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Tensors map[string]struct {
			Data []float64 `json:"data"`
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
	m := nn.ResNet20(tensor.Shape{32, 32, 3}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	rng := splitMix64(2026)
	for _, p := range m.Params() {
		v := p.Value
		switch p.Name {
		case "gamma":
			rng.draw(v.Data, 0.8, 1.2)
		case "beta", "moving_mean":
			rng.draw(v.Data, -0.1, 0.1)
		case "moving_variance":
			rng.draw(v.Data, 0.9, 1.1)
		case "bias":
			rng.draw(v.Data, -0.05, 0.05)
		default:
			lim := math.Sqrt(6 / float64(v.Len()/v.Shape[len(v.Shape)-1]))
			rng.draw(v.Data, -lim, lim)
		}
	}
	x := tensor.New(2, 32, 32, 3)
	xr := splitMix64(1129)
	xr.draw(x.Data, 0, 1)
	target := nn.Target{Labels: []int32{3, 7}}
	loss := &nn.SparseCategoricalCrossentropy{}
	opt := NewAdam(Config{})
	params := m.Params()
	want := get("losses")
	worst := map[string]float64{}
	for step := 0; step <= 10; step++ {
		var l float64
		if step < 10 {
			var out *tensor.Tensor
			l, out = m.Gradients(x, target, nil, loss, nil)
			if step == 0 {
				worst["probs"] = expectRel(t, "probs_initial", out.Data, get("probs_initial"), 1e-4)
				for _, p := range params {
					if w, ok := g.Tensors["grad_step1/"+p.FullName()]; ok {
						worst["grads"] = max(worst["grads"], expectRel(t, "grad_step1/"+p.FullName(), p.Grad.Data, w.Data, 1e-4))
					}
				}
			}
			opt.Step(params)
		} else {
			l = loss.Compute(m.Forward(x, false), target, nil, nil, nil)
		}
		d := math.Abs(l-want[step]) / math.Abs(want[step])
		worst["losses"] = max(worst["losses"], d)
		if d > 1e-4 {
			t.Errorf("loss before step %d = %.7g, PyTorch %.7g (relative %.2g)", step+1, l, want[step], d)
		}
	}
	for _, p := range params {
		if w, ok := g.Tensors["final/"+p.FullName()]; ok {
			key := "final"
			if strings.HasPrefix(p.Name, "moving") {
				key = "moving"
			}
			worst[key] = max(worst[key], expectRel(t, "final/"+p.FullName(), p.Value.Data, w.Data, 1e-4))
		}
	}
	t.Logf("largest relative differences from PyTorch (float64): %v", worst)
}

// expectRel compares got with want relative to want's largest magnitude
// and returns the largest such difference.
func expectRel(t *testing.T, what string, got []float32, want []float64, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, golden has %d", what, len(got), len(want))
	}
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		d := math.Abs(float64(got[i])-want[i]) / scale
		if !(d <= tol) {
			t.Errorf("%s[%d] = %.8g, PyTorch %.8g", what, i, got[i], want[i])
			return d
		}
		worst = max(worst, d)
	}
	return worst
}
