package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// kerasCase is one trajectory of testdata/keras_formula.json, written by
// testdata/keras_formula.py: Keras 3's update rules in numpy float32.
type kerasCase struct {
	Name           string  `json:"name"`
	Optimizer      string  `json:"optimizer"`
	LearningRate   float64 `json:"learning_rate"`
	Beta2          float64 `json:"beta_2"`
	AMSGrad        bool    `json:"amsgrad"`
	WeightDecay    float64 `json:"weight_decay"`
	ClipNorm       float64 `json:"clipnorm"`
	GlobalClipNorm float64 `json:"global_clipnorm"`
	ClipValue      float64 `json:"clipvalue"`
	Momentum       float64 `json:"momentum"`
	Nesterov       bool    `json:"nesterov"`
	Centered       bool    `json:"centered"`
	Trajectory     []struct {
		Step int       `json:"step"`
		W    []float64 `json:"w"`
	} `json:"trajectory"`
}

func (c kerasCase) optimizer(t *testing.T) Optimizer {
	cfg := Config{LearningRate: c.LearningRate, WeightDecay: c.WeightDecay, ClipNorm: c.ClipNorm,
		GlobalClipNorm: c.GlobalClipNorm, ClipValue: c.ClipValue}
	switch c.Optimizer {
	case "adam", "adamw":
		o := NewAdam(cfg)
		if c.Optimizer == "adamw" {
			o = NewAdamW(cfg)
		}
		o.AMSGrad = c.AMSGrad
		if c.Beta2 != 0 {
			o.Beta2 = c.Beta2
		}
		return o
	case "sgd":
		return NewSGD(cfg, c.Momentum, c.Nesterov)
	case "rmsprop":
		o := NewRMSprop(cfg)
		o.Momentum, o.Centered = c.Momentum, c.Centered
		return o
	}
	t.Fatalf("case %s: unknown optimizer %q", c.Name, c.Optimizer)
	return nil
}

// TestKerasFormulaTrajectories runs each optimizer for 50 steps on a
// quadratic (gradient (w - target)·k, exact in float32) and compares the
// weights after steps 1 and 50 with Keras' float32 arithmetic (50 steps
// at 1e-5 of the distance travelled).
// Keras computes Python-float hyperparameters such as 1 - beta_2 in
// float64 before rounding them to float32; rounding beta_2 first instead
// changes Adam's step by 1.3e-5 relative, which this test catches.
func TestKerasFormulaTrajectories(t *testing.T) {
	b, err := os.ReadFile("testdata/keras_formula.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		W0, Target, K []float64
		Cases         []kerasCase
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("no cases in testdata/keras_formula.json")
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			n := len(g.W0)
			w, target, k := f32s(g.W0), f32s(g.Target), f32s(g.K)
			params := []nn.LayerParam{halfParam("kernel", w[:n/2]), halfParam("bias", w[n/2:])}
			opt := c.optimizer(t)
			next := 0
			for step := 1; step <= 50 && next < len(c.Trajectory); step++ {
				for _, p := range params {
					off := 0
					if p.Name == "bias" {
						off = n / 2
					}
					for i, v := range p.Value.Data {
						p.Grad.Data[i] = float32(float32(v-target[off+i]) * k[off+i])
					}
				}
				opt.Step(params)
				if want := c.Trajectory[next]; want.Step == step {
					next++
					got := append(append([]float32(nil), params[0].Value.Data...), params[1].Value.Data...)
					compareTrajectory(t, step, got, want.W, g.W0)
				}
			}
			if next != len(c.Trajectory) {
				t.Fatalf("compared %d of %d snapshots", next, len(c.Trajectory))
			}
		})
	}
}

// compareTrajectory checks the weights after step against Keras': within
// one float32 ulp after the first step (the same operations in the same
// order), and within 1e-5 of the largest distance travelled from w0 later
// (float32 powers β^t may differ by an ulp between libraries).
func compareTrajectory(t *testing.T, step int, got []float32, want, w0 []float64) {
	t.Helper()
	var moved float64
	for i := range want {
		moved = math.Max(moved, math.Abs(want[i]-w0[i]))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		tol := 1e-5 * moved
		if step == 1 {
			tol = float64(math.Nextafter32(float32(math.Abs(want[i])), float32(math.Inf(1)))) - math.Abs(want[i])
		}
		if d > tol {
			t.Fatalf("after step %d: w[%d] = %.9g, Keras' formula %.9g (diff %.2g > %.2g)", step, i, got[i], want[i], d, tol)
		}
	}
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// halfParam is a trainable param named dense/<name> holding a copy of w.
func halfParam(name string, w []float32) nn.LayerParam {
	d := &nn.Dense{Units: 1}
	d.SetName("dense")
	p := &nn.Param{Name: name, Value: tensor.FromData(append([]float32(nil), w...), len(w)),
		Grad: tensor.New(len(w)), Trainable: true}
	return nn.LayerParam{Layer: d, Param: p}
}
