package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestGoldenLogitsExtreme: the cross-entropies from logits match
// PyTorch's F.cross_entropy and F.binary_cross_entropy_with_logits
// (testdata/torch/golden_logits.py) within goldenTol on logits up to
// ±1000 (where exp overflows even in float64, and a float32 softmax
// followed by a log gives +Inf), with and
// without class-derived sample weights; OutputProbabilities gives
// PyTorch's softmax and sigmoid of the same logits.
func TestGoldenLogitsExtreme(t *testing.T) {
	g := loadGolden(t, "logits")
	z := g.tensor(t, "cat/logits")
	var labels []int32
	for _, v := range g.raw(t, "cat/labels") {
		labels = append(labels, int32(v))
	}
	bz := g.tensor(t, "bce/logits")
	for _, c := range []struct {
		key  string
		loss Loss
		x    *tensor.Tensor
		t    Target
		w    []float32
	}{
		{"sparse", &SparseCategoricalCrossentropy{FromLogits: true}, z, Target{Labels: labels}, g.tensor(t, "cat/sample_weight").Data},
		{"soft", &CategoricalCrossentropy{FromLogits: true}, z, Target{Dense: g.tensor(t, "cat/soft")}, g.tensor(t, "cat/sample_weight").Data},
		{"bce", &BinaryCrossentropy{FromLogits: true}, bz, Target{Dense: g.tensor(t, "bce/hard")}, g.tensor(t, "bce/sample_weight").Data},
	} {
		t.Run(c.key, func(t *testing.T) {
			per := make([]float32, c.x.Shape[0])
			for _, sub := range []string{"unweighted", "weighted"} {
				var w []float32
				if sub == "weighted" {
					w = c.w
				}
				gr := tensor.New(c.x.Shape...)
				loss := c.loss.Compute(c.x, c.t, w, gr, per)
				if math.IsNaN(loss) || math.IsInf(loss, 0) {
					t.Fatalf("%s: loss %v", sub, loss)
				}
				expectGolden(t, c.key+"/"+sub+"/loss", []float32{float32(loss)}, g.raw(t, c.key+"/"+sub+"/loss"))
				expectGolden(t, c.key+"/"+sub+"/grad", gr.Data, g.raw(t, c.key+"/"+sub+"/grad"))
			}
			expectGolden(t, c.key+"/per_sample", per, g.raw(t, c.key+"/per_sample"))
		})
	}
	expectGolden(t, "cat/probs", OutputProbabilities(&SparseCategoricalCrossentropy{FromLogits: true}, z, nil).Data, g.raw(t, "cat/probs"))
	expectGolden(t, "bce/probs", OutputProbabilities(&BinaryCrossentropy{FromLogits: true}, bz, nil).Data, g.raw(t, "bce/probs"))
}

// TestGoldenLinearHeadFromLogits: a linear Dense head under weighted
// sparse cross-entropy from logits gives PyTorch's loss and kernel and
// bias gradients through the model's Gradients (the unfused path).
func TestGoldenLinearHeadFromLogits(t *testing.T) {
	g := loadGolden(t, "logits")
	x := g.tensor(t, "head/x")
	d := &Dense{Units: 5}
	m := NewSequential(x.Shape[1:], d)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	setParams(t, g, d, "head/")
	var labels []int32
	for _, v := range g.raw(t, "cat/labels") {
		labels = append(labels, int32(v))
	}
	loss, out := m.Gradients(x, Target{Labels: labels}, g.tensor(t, "cat/sample_weight").Data, &SparseCategoricalCrossentropy{FromLogits: true}, nil)
	expectGolden(t, "head/logits", out.Data, g.raw(t, "head/logits"))
	expectGolden(t, "head/loss", []float32{float32(loss)}, g.raw(t, "head/loss"))
	expectGolden(t, "head/dkernel", grad(d, "kernel"), g.raw(t, "head/dkernel"))
	expectGolden(t, "head/dbias", grad(d, "bias"), g.raw(t, "head/dbias"))
}

// TestOutputProbabilities: a loss from probabilities hands the output
// back untouched; from logits, softmax rows sum to 1 and keep the argmax
// (also in place and at ±1e4), sigmoid stays in [0, 1] without NaN.
func TestOutputProbabilities(t *testing.T) {
	out := tensor.FromData([]float32{1e4, -1e4, 0, 3, 2, 1, -7, -7, -7}, 3, 3)
	if got := OutputProbabilities(&SparseCategoricalCrossentropy{}, out, nil); got != out {
		t.Error("a loss from probabilities: want the output itself")
	}
	for _, l := range []Loss{&SparseCategoricalCrossentropy{FromLogits: true}, &CategoricalCrossentropy{FromLogits: true}} {
		p := OutputProbabilities(l, out, nil)
		for i := 0; i < 3; i++ {
			row := p.Data[i*3 : i*3+3]
			var s float64
			for _, v := range row {
				s += float64(v)
			}
			if math.Abs(s-1) > 1e-6 || argmaxRow(row) != argmaxRow(out.Data[i*3:i*3+3]) {
				t.Errorf("%s row %d: %v (sum %v)", l.Name(), i, row, s)
			}
		}
	}
	if p := OutputProbabilities(&CategoricalCrossentropy{FromLogits: true}, out.Clone(), nil); math.Abs(float64(p.Data[6])-1.0/3) > 1e-6 {
		t.Errorf("a tie of three: %v, want 1/3 each", p.Data[6:])
	}
	in := out.Clone()
	if p := OutputProbabilities(&SparseCategoricalCrossentropy{FromLogits: true}, in, in); p != in || p.Data[0] != 1 || p.Data[1] != 0 {
		t.Errorf("in place: %v", p.Data[:3])
	}
	p := OutputProbabilities(&BinaryCrossentropy{FromLogits: true}, out, nil)
	for i, v := range p.Data {
		if !(v >= 0 && v <= 1) {
			t.Errorf("sigmoid(%v) = %v", out.Data[i], v)
		}
	}
	if p.Data[0] != 1 || p.Data[1] != 0 || p.Data[2] != 0.5 {
		t.Errorf("sigmoid of 1e4, -1e4, 0: %v", p.Data[:3])
	}
}

// TestNewLoss: the names and the option; an unknown name is an error.
func TestNewLoss(t *testing.T) {
	for _, name := range []string{"sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy"} {
		for _, fl := range []bool{false, true} {
			l, err := NewLoss(name, fl)
			if err != nil || l.Name() != name || TakesLogits(l) != fl {
				t.Errorf("NewLoss(%s, %v) = %v, %v", name, fl, l, err)
			}
		}
	}
	if _, err := NewLoss("hinge", true); err == nil {
		t.Error("hinge: want an error")
	}
}

// TestFromLogitsGradientsAtExtremes: finite differences of the losses
// from logits where the logits are far apart (tens), so the stable forms'
// gradients are checked away from the ordinary range too.
func TestFromLogitsGradientsAtExtremes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, l := range []Loss{&SparseCategoricalCrossentropy{FromLogits: true}, &CategoricalCrossentropy{FromLogits: true}, &BinaryCrossentropy{FromLogits: true}} {
		n, d := 4, 3
		x := tensor.New(n, d)
		for i := range x.Data {
			x.Data[i] = float32(8*rng.Float64() - 4)
		}
		x.Data[0], x.Data[4] = 30, -25 // a far-ahead logit and a far-behind one
		tg := Target{Labels: []int32{1, 1, 2, 0}}
		if _, ok := l.(*SparseCategoricalCrossentropy); !ok {
			tg = Target{Dense: tensor.FromData([]float32{0, 1, 0, 0, 0.5, 0.5, 0, 0, 1, 1, 0, 0}, n, d)}
		}
		w := []float32{1, 2, 0.5, 1}
		gr := tensor.New(n, d)
		l.Compute(x, tg, w, gr, nil)
		num, ana := make([]float64, len(x.Data)), make([]float64, len(x.Data))
		const h = 1e-2
		for i := range x.Data {
			old := x.Data[i]
			x.Data[i] = old + h
			lp := l.Compute(x, tg, w, nil, nil)
			x.Data[i] = old - h
			lm := l.Compute(x, tg, w, nil, nil)
			x.Data[i] = old
			num[i] = (lp - lm) / (float64(float32(old+h)) - float64(float32(old-h)))
			ana[i] = float64(gr.Data[i])
		}
		checkClose(t, l.Name(), num, ana, 2e-3)
	}
}

func argmaxRow(r []float32) int {
	b := 0
	for i, v := range r {
		if v > r[b] {
			b = i
		}
	}
	return b
}

// TestOutputsLogits: a linear last layer with weights, seen through
// Flatten, Dropout and global pooling, is logits; a softmax or sigmoid
// anywhere after it, a relu output or a merge at the end is not.
func TestOutputsLogits(t *testing.T) {
	in := tensor.Shape{6, 6, 2}
	g := NewGraph(in)
	a := g.Call(&Conv2D{Filters: 3, KernelSize: [2]int{1, 1}}, g.In())
	b := g.Call(&Conv2D{Filters: 3, KernelSize: [2]int{1, 1}}, g.In())
	g.Call(&GlobalAveragePooling2D{}, g.Call(&Add{}, a, b))
	g2 := NewGraph(in)
	g2.Call(&Dropout{Rate: 0.1}, g2.Call(&GlobalMaxPooling2D{}, g2.Call(&Conv2D{Filters: 3, KernelSize: [2]int{1, 1}}, g2.In())))
	for _, c := range []struct {
		name string
		m    Model
		want bool
	}{
		{"dense", NewSequential(in, &Flatten{}, &Dense{Units: 3}), true},
		{"dense linear, dropout", NewSequential(in, &Flatten{}, &Dense{Units: 3, Activation: "linear"}, &Dropout{Rate: 0.5}), true},
		{"conv, global pool", NewSequential(in, &Conv2D{Filters: 3, KernelSize: [2]int{1, 1}}, &GlobalAveragePooling2D{}), true},
		{"graph: conv, global max pool, dropout", g2, true},
		{"dense softmax", NewSequential(in, &Flatten{}, &Dense{Units: 3, Activation: "softmax"}), false},
		{"dense, Activation sigmoid", NewSequential(in, &Flatten{}, &Dense{Units: 3}, &Activation{Function: "sigmoid"}), false},
		{"dense relu", NewSequential(in, &Flatten{}, &Dense{Units: 3, Activation: "relu"}), false},
		{"graph: add, global pool", g, false},
	} {
		if err := c.m.Build(1); err != nil {
			t.Fatal(err)
		}
		if got := OutputsLogits(c.m); got != c.want {
			t.Errorf("%s: OutputsLogits %v, want %v", c.name, got, c.want)
		}
	}
}
