package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// oneParam is a model-free param for update-rule tests.
func oneParam(w, g []float32) []nn.LayerParam {
	d := &nn.Dense{Units: 1}
	d.SetName("dense")
	p := &nn.Param{Name: "kernel", Value: tensor.FromData(w, len(w)), Grad: tensor.FromData(g, len(g)), Trainable: true}
	return []nn.LayerParam{{Layer: d, Param: p}}
}

func near(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.9g, want %.9g", what, got, want)
	}
}

// The expected values follow Keras 3's update rules, computed by hand in
// float64 for a constant gradient.
func TestSGDMomentumAndNesterov(t *testing.T) {
	for _, nesterov := range []bool{false, true} {
		ps := oneParam([]float32{1}, []float32{0.5})
		o := NewSGD(Config{LearningRate: 0.1}, 0.9, nesterov)
		w, m := 1.0, 0.0
		for step := 0; step < 3; step++ {
			o.Step(ps)
			m = 0.9*m - 0.1*0.5
			if nesterov {
				w += 0.9*m - 0.1*0.5
			} else {
				w += m
			}
			near(t, "sgd w", ps[0].Value.Data[0], w)
		}
	}
	ps := oneParam([]float32{1}, []float32{0.5})
	NewSGD(Config{}, 0, false).Step(ps) // Keras' default lr 0.01
	near(t, "plain sgd w", ps[0].Value.Data[0], 1-0.01*0.5)
}

func TestRMSprop(t *testing.T) {
	ps := oneParam([]float32{1}, []float32{0.5})
	o := NewRMSprop(Config{})
	w, v := 1.0, 0.0
	for step := 0; step < 3; step++ {
		o.Step(ps)
		v = 0.9*v + 0.1*0.25
		w -= 1e-3 * 0.5 / math.Sqrt(v+1e-7)
		near(t, "rmsprop w", ps[0].Value.Data[0], w)
	}
}

func TestAdamWDecaysWeights(t *testing.T) {
	ps := oneParam([]float32{2}, []float32{0})
	o := NewAdamW(Config{LearningRate: 0.1})
	o.Step(ps)
	// Zero gradient: only the decoupled decay w -= lr*wd*w acts (wd 0.004).
	near(t, "adamw w", ps[0].Value.Data[0], 2*(1-0.1*0.004))
}

func TestClipping(t *testing.T) {
	ps := oneParam([]float32{0, 0}, []float32{3, 4}) // norm 5
	o := NewSGD(Config{LearningRate: 1, ClipNorm: 1}, 0, false)
	o.Step(ps)
	near(t, "clipnorm w0", ps[0].Value.Data[0], -0.6)
	near(t, "clipnorm w1", ps[0].Value.Data[1], -0.8)

	ps = oneParam([]float32{0, 0}, []float32{3, -0.5})
	NewSGD(Config{LearningRate: 1, ClipValue: 1}, 0, false).Step(ps)
	near(t, "clipvalue w0", ps[0].Value.Data[0], -1)
	near(t, "clipvalue w1", ps[0].Value.Data[1], 0.5)

	a := oneParam([]float32{0}, []float32{3})
	b := oneParam([]float32{0}, []float32{4})
	both := append(a, b[0])
	NewSGD(Config{LearningRate: 1, GlobalClipNorm: 1}, 0, false).Step(both)
	near(t, "global clip a", a[0].Value.Data[0], -0.6)
	near(t, "global clip b", b[0].Value.Data[0], -0.8)
}

func TestScheduleHookAndState(t *testing.T) {
	ps := oneParam([]float32{1}, []float32{1})
	o := NewSGD(Config{Schedule: func(it int) float64 { return 0.1 / float64(it+1) }}, 0, false)
	o.Step(ps) // lr 0.1
	o.Step(ps) // lr 0.05
	near(t, "scheduled w", ps[0].Value.Data[0], 1-0.1-0.05)
	if o.Iterations() != 2 || math.Abs(o.LearningRate()-0.1/3) > 1e-12 {
		t.Errorf("iterations %d, next lr %v", o.Iterations(), o.LearningRate())
	}

	// Adam's state round-trips: a restored optimizer continues identically.
	p1 := oneParam([]float32{1, 2}, []float32{0.3, -0.2})
	p2 := oneParam([]float32{1, 2}, []float32{0.3, -0.2})
	a1 := NewAdam(Config{})
	a1.Step(p1)
	a2 := NewAdam(Config{})
	copy(p2[0].Value.Data, p1[0].Value.Data)
	if err := a2.SetState(a1.Iterations(), a1.State()); err != nil {
		t.Fatal(err)
	}
	a1.Step(p1)
	a2.Step(p2)
	for i := range p1[0].Value.Data {
		if p1[0].Value.Data[i] != p2[0].Value.Data[i] {
			t.Errorf("restored Adam diverges at %d: %v vs %v", i, p1[0].Value.Data[i], p2[0].Value.Data[i])
		}
	}
	if err := a2.SetState(1, map[string]*tensor.Tensor{"dense/kernel/momentum": tensor.New(2)}); err == nil {
		t.Error("Adam accepted an SGD slot")
	}
}

func TestNewByName(t *testing.T) {
	for _, n := range Names() {
		o, err := New(n, Config{})
		if err != nil || o.Name() != n {
			t.Errorf("New(%q) = %v, %v", n, o, err)
		}
	}
	if _, err := New("adagrad9", Config{}); err == nil {
		t.Error("unknown optimizer accepted")
	}
}

func TestConfigCheck(t *testing.T) {
	bad := map[string]Config{
		"clipnorm and clipvalue":       {ClipNorm: 1, ClipValue: 0.5},
		"clipnorm -1":                  {ClipNorm: -1},
		"learning_rate NaN":            {LearningRate: math.NaN()},
		"weight_decay +Inf":            {WeightDecay: math.Inf(1)},
		"clipnorm and global_clipnorm": {ClipNorm: 1, GlobalClipNorm: 1},
	}
	for want, cfg := range bad {
		err := cfg.Check()
		if err == nil || !strings.Contains(err.Error(), strings.Fields(want)[0]) {
			t.Errorf("%+v: err = %v, want one naming %s", cfg, err, want)
		}
		if _, err := New("adam", cfg); err == nil {
			t.Errorf("New(adam, %+v) accepted it", cfg)
		}
	}
	if err := (Config{LearningRate: 0.1, ClipValue: 1, WeightDecay: 0.01}).Check(); err != nil {
		t.Error(err)
	}
}
