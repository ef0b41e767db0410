package diagnose

import (
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// Detectors on a functional model: a 2-block residual net, whose layers
// (topological order) are
//
//	conv2d (stem) · conv2d_1 activation conv2d_2 add(conv2d, conv2d_2) ·
//	conv2d_3 activation_1 conv2d_4 add_1(add, conv2d_4) ·
//	global_average_pooling2d dense(softmax)
//
// The gradient reaches the stem through the two adds' shortcuts (2 layers
// with weights: the stem and dense), and conv2d_1 through its block (3:
// conv2d_1, conv2d_2, then block 2's shortcut, and dense).
func residualSpec(t *testing.T, act string) *nn.ModelSpec {
	t.Helper()
	g := nn.NewGraph(tensor.Shape{8, 8, 1})
	conv := func(in nn.Ref) nn.Ref {
		return g.Call(&nn.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, in)
	}
	x := conv(g.In())
	for range 2 {
		y := conv(g.Call(&nn.Activation{Function: act}, conv(x)))
		x = g.Call(&nn.Add{}, x, y)
	}
	x = g.Call(&nn.GlobalAveragePooling2D{}, x)
	g.Call(&nn.Dense{Units: 10, Activation: "softmax"}, x)
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	s := g.Spec()
	return &s
}

// residualLayers are healthy statistics of residualSpec's layers; edit
// changes them by name.
func residualLayers(act string, edit func(l *synthLayer)) []synthLayer {
	ls := []synthLayer{
		{"conv2d", "Conv2D", "", 0.7, 1.4, 5e-3, 0.02, 0, 0},
		{"conv2d_1", "Conv2D", "", 0.8, 4, 5e-3, 0.02, 0, 0},
		{"activation", "Activation", act, 0, 0, 0, 0, 0.1, 0},
		{"conv2d_2", "Conv2D", "", 0.8, 4, 5e-3, 0.02, 0, 0},
		{"add", "Add", "", 0, 0, 0, 0, 0, 0},
		{"conv2d_3", "Conv2D", "", 0.9, 4, 5e-3, 0.02, 0, 0},
		{"activation_1", "Activation", act, 0, 0, 0, 0, 0.1, 0},
		{"conv2d_4", "Conv2D", "", 0.9, 4, 5e-3, 0.02, 0, 0},
		{"add_1", "Add", "", 0, 0, 0, 0, 0, 0},
		{"global_average_pooling2d", "GlobalAveragePooling2D", "", 0, 0, 0, 0, 0, 0},
		{"dense", "Dense", "softmax", 1.8, 3, 1.5e-3, 0.37, 0, 0.03},
	}
	for i := range ls {
		edit(&ls[i])
	}
	return ls
}

// residualSignals is a healthy run of residualSpec with its records
// replaced by residualLayers(act, edit).
func residualSignals(t *testing.T, act string, edit func(l *synthLayer)) *Signals {
	t.Helper()
	s := healthySignals(t, 3)
	s.Model = residualSpec(t, act)
	s.Records[0] = record(1, 1, float64(s.Records[0].Loss), residualLayers(act, edit))
	setLayers(s, func(int) []synthLayer { return residualLayers(act, edit) })
	return s
}

func TestGraphGradientHops(t *testing.T) {
	top := topologyOf(residualSpec(t, "relu"))
	if top == nil || !top.merges() {
		t.Fatal("the residual net's wiring is not read as a graph")
	}
	weighted := func(name string) bool { return strings.HasPrefix(name, "conv2d") || name == "dense" }
	hops := top.gradientHops(weighted)
	want := map[string]int{"conv2d": 2, "conv2d_1": 3, "activation": 2, "conv2d_2": 2, "add": 1, "conv2d_3": 3, "conv2d_4": 2, "dense": 1}
	for name, w := range want {
		if h := hops[top.index[name]]; h != w {
			t.Errorf("%s: %d hops to the loss, want %d", name, h, w)
		}
	}
	// A sequential spec is a chain: the first layer is the farthest.
	chain := topologyOf(basicCNNSpec(t))
	if chain.merges() {
		t.Error("the basic CNN read as a graph")
	}
	if h := chain.gradientHops(func(n string) bool { return strings.HasPrefix(n, "conv2d") || strings.HasPrefix(n, "dense") }); h[0] != 5 {
		t.Errorf("basic CNN's first layer: %d hops, want 5", h[0])
	}
}

// Vanishing (and exploding) gradients compare the layer farthest from the
// loss with the output layer: in a residual net that is the first block's
// first conv, not the stem, which the shortcuts keep close to the loss.
func TestGraphVanishingGradients(t *testing.T) {
	// The stem's gradient is small but the shortcuts bring it from the
	// loss in 2 hops; the deep layers learn: no vanishing gradients.
	s := residualSignals(t, "relu", func(l *synthLayer) {
		if l.name == "conv2d" {
			l.grad = 1e-4
		}
	})
	wantNone(t, "vanishing_gradients", s)
	// The first block's conv barely gets a gradient: vanishing, there.
	s = residualSignals(t, "relu", func(l *synthLayer) {
		if l.name == "conv2d_1" {
			l.grad = 1e-4
		}
	})
	f := wantFinding(t, "vanishing_gradients", s, Warning)
	if f.Layer != "conv2d_1" || !strings.Contains(evidenceText(f), "crosses 3 layers with weights") {
		t.Errorf("layer %q, evidence %q", f.Layer, evidenceText(f))
	}
	s = residualSignals(t, "relu", func(l *synthLayer) {
		if l.name == "conv2d_1" {
			l.grad = 500
		}
	})
	if f := wantFinding(t, "exploding_gradients", s, Warning); f.Layer != "conv2d_1" {
		t.Errorf("exploding gradients in %q, want conv2d_1", f.Layer)
	}
}

// The first NaN is the first layer in topological order in the forward
// pass, and the last one (the first the backward pass reaches) among the
// gradients: the layers behind it inherit its NaN through every path.
func TestGraphFirstNaNLayer(t *testing.T) {
	nan := jsonNaN()
	s := residualSignals(t, "relu", func(*synthLayer) {})
	r := &s.Records[3]
	for i := range r.Layers { // conv2d_4's gradient went NaN; everything below it follows
		if l := &r.Layers[i]; l.Weights != nil && l.Layer != "dense" {
			l.Weights.GradNorm = nan
		}
	}
	f := wantFinding(t, "nan", s, Critical)
	if f.Layer != "conv2d_4" || !strings.Contains(f.Title, "backward") {
		t.Errorf("got %q in %q, want the backward pass in conv2d_4", f.Title, f.Layer)
	}
	r.Layers[4].Activation.NonFinite = 3 // add's output, and so every later one's
	r.Layers[8].Activation.NonFinite = 3
	r.Layers[10].Activation.NonFinite = 3
	if f := wantFinding(t, "nan", s, Critical); f.Layer != "add" || !strings.Contains(f.Title, "forward") {
		t.Errorf("got %q in %q, want the forward pass in add", f.Title, f.Layer)
	}
}

// MobileNet's relu6 units die as ReLU's do.
func TestGraphDyingReLU6(t *testing.T) {
	s := residualSignals(t, "relu6", func(l *synthLayer) {
		if l.name == "activation_1" {
			l.dead = 0.9
		}
	})
	valAt(s, 10, 0.1) // a run that does not learn (else information)
	if f := wantFinding(t, "dying_relu", s, Warning); f.Layer != "activation_1" {
		t.Errorf("dying relu6 in %q, want activation_1", f.Layer)
	}
}

// The output's activation is found walking back from the output along
// its inputs: a softmax in a branch before a merge is not the output's.
func TestGraphOutputActivation(t *testing.T) {
	g := nn.NewGraph(tensor.Shape{4})
	linear := g.Call(&nn.Dense{Units: 3}, g.In())
	probs := g.Call(&nn.Dense{Units: 3, Activation: "softmax"}, g.In())
	g.Call(&nn.Activation{Function: "softmax"}, g.Call(&nn.Add{}, linear, probs))
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	ms := g.Spec()
	s := &Signals{Model: &ms}
	if f := doubleSquash(s); f != nil {
		t.Errorf("a softmax of a sum read as a double softmax: %q", f.Title)
	}
	if act, layer := s.lastActivation(); act != "softmax" || layer != "activation" {
		t.Errorf("last activation %s in %s", act, layer)
	}
	// On the output's own path, two squashes are found.
	g = nn.NewGraph(tensor.Shape{4})
	g.Call(&nn.Activation{Function: "softmax"}, g.Call(&nn.Dense{Units: 3, Activation: "softmax"}, g.In()))
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	ms = g.Spec()
	if f := doubleSquash(&Signals{Model: &ms}); f == nil {
		t.Error("softmax then softmax not found")
	}
}

func evidenceText(f *Finding) string {
	var b []string
	for _, e := range f.Evidence {
		b = append(b, e.Text)
	}
	return strings.Join(b, "; ")
}

// weightedRecord is a record of a model's layers with trainable weights
// (as metrics.jsonl lists them: Nodes order).
func weightedRecord(m nn.Model) []train.LayerRecord {
	has := map[nn.Layer]bool{}
	for _, p := range m.Params() {
		has[p.Layer] = has[p.Layer] || p.Trainable
	}
	var ws []train.LayerRecord
	for _, n := range m.Nodes() {
		if has[n.Layer] {
			ws = append(ws, train.LayerRecord{Layer: n.Layer.Name(), Weights: &train.WeightStats{}})
		}
	}
	return ws
}

// On the presets: resnet-20's stem is 5 layers with weights from the loss
// (itself, its BatchNormalization, the two projection shortcuts, dense),
// its first block's conv 7, the farthest; mobilenet-v2-small's stem is
// the farthest (its first blocks have no residual), but the residual
// blocks shorten its way below the count of layers with weights.
func TestGraphPresetsGradientReference(t *testing.T) {
	for _, c := range []struct {
		m          nn.Model
		ref        string
		hops, stem int
	}{{nn.ResNet20(tensor.Shape{32, 32, 3}, 10), "conv2d_1", 7, 5}, {nn.MobileNetV2Small(tensor.Shape{32, 32, 3}, 10), "Conv1", -1, -1}} {
		if err := c.m.Build(1); err != nil {
			t.Fatal(err)
		}
		ms := c.m.Spec()
		s := &Signals{Model: &ms}
		ws := weightedRecord(c.m)
		k, hops := gradientReference(s, ws)
		top := topologyOf(&ms)
		w := map[string]bool{}
		for _, l := range ws {
			w[l.Layer] = true
		}
		byName := top.gradientHops(func(n string) bool { return w[n] })
		stem := byName[top.index[ws[0].Layer]]
		switch {
		case ws[k].Layer != c.ref:
			t.Errorf("%s: reference %s (%d hops), want %s", c.m.Name(), ws[k].Layer, hops, c.ref)
		case c.hops > 0 && (hops != c.hops || stem != c.stem):
			t.Errorf("%s: %d hops to the reference, %d to the stem; want %d and %d", c.m.Name(), hops, stem, c.hops, c.stem)
		case hops >= len(ws):
			t.Errorf("%s: %d hops for %d layers with weights: residual connections not followed", c.m.Name(), hops, len(ws))
		}
	}
}
