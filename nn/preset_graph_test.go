package nn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

func TestResNet20MatchesKerasExample(t *testing.T) {
	m, err := NewPreset("resnet-20", tensor.Shape{32, 32, 3}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	tr, non := m.CountParams()
	if tr+non != 274442 || non != 1376 {
		t.Errorf("params = %d total, %d non-trainable; Keras' cifar10_resnet v1 depth 20 has 274,442 and 1,376", tr+non, non)
	}
	var convs, adds int
	for _, n := range m.Nodes() {
		switch n.Layer.(type) {
		case *Conv2D:
			convs++
		case *Add:
			adds++
		}
	}
	// 19 3x3 convolutions + 2 projection shortcuts; 9 residual additions.
	if convs != 21 || adds != 9 {
		t.Errorf("%d convolutions and %d adds, want 21 and 9", convs, adds)
	}
	if got := m.Nodes()[len(m.Nodes())-1].Layer.Name(); got != "dense" {
		t.Errorf("last layer named %q, want Keras' dense", got)
	}
}

// The counts come from the same structure written after Keras'
// mobilenet_v2.py in Python; at alpha 1.0 and 1000 classes it gives
// Keras' published 3,538,984.
func TestMobileNetV2Params(t *testing.T) {
	for _, c := range []struct {
		alpha        float64
		input        tensor.Shape
		classes      int
		total, nonTr int
	}{
		{0.35, tensor.Shape{32, 32, 3}, 10, 423018, 14080},
		{0.35, tensor.Shape{96, 96, 3}, 1000, 1691208, 14080},
		{1.0, tensor.Shape{224, 224, 3}, 1000, 3538984, 34112},
	} {
		m := mobileNetV2(c.input, c.classes, c.alpha)
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		tr, non := m.CountParams()
		if tr+non != c.total || non != c.nonTr {
			t.Errorf("alpha %g, %d classes: %d params (%d non-trainable), want %d (%d)", c.alpha, c.classes, tr+non, non, c.total, c.nonTr)
		}
	}
	m := MobileNetV2Small(tensor.Shape{33, 31, 3}, 5) // odd sides: correct_pad pads (1, 1)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	if out := m.Output(); !out.Equal(tensor.Shape{5}) {
		t.Errorf("output %v", out)
	}
	names := map[string]bool{}
	for _, p := range m.Params() {
		names[p.FullName()] = true
	}
	for _, want := range []string{"Conv1/kernel", "block_1_depthwise/kernel", "block_16_project_BN/moving_mean", "predictions/bias", "expanded_conv_project/kernel"} {
		if !names[want] {
			t.Errorf("no weight named %s (Keras' name)", want)
		}
	}
}

func TestGraphSpecRoundTrip(t *testing.T) {
	for _, name := range []string{"resnet-20", "mobilenet-v2-small"} {
		m, err := NewPreset(name, tensor.Shape{32, 32, 3}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(1); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m.Spec())
		var ms ModelSpec
		if err := json.Unmarshal(b, &ms); err != nil {
			t.Fatal(err)
		}
		if !ms.Functional() {
			t.Fatalf("%s: spec is not functional", name)
		}
		g, err := ms.Graph()
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Build(1); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(g.Spec())
		if string(b) != string(b2) {
			t.Errorf("%s: spec changed in a round trip", name)
		}
		var s1, s2 strings.Builder
		m.Summary(&s1)
		g.Summary(&s2)
		if s1.String() != s2.String() {
			t.Errorf("%s: summary changed in a round trip", name)
		}
	}
}
