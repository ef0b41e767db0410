package diagnose

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// Inserting a layer into a functional model (resnet-20 written out as
// layers) wires it in: called on the layer before it, feeding that
// layer's consumers, so it counts in the model.
func TestApplyEditsInsertsIntoGraphs(t *testing.T) {
	in := tensor.Shape{32, 32, 3}
	g := nn.ResNet20(in, 10)
	if err := g.Build(1); err != nil {
		t.Fatal(err)
	}
	layers := g.Spec().Layers
	proj := slices.IndexFunc(layers, func(l nn.LayerSpec) bool { return l.Type == "Conv2D" && l.KernelSize[0] == 1 })
	dense := slices.IndexFunc(layers, func(l nn.LayerSpec) bool { return l.Type == "Dense" })
	base := &spec.Spec{}
	base.Data.Source = "mnist"
	base.Defaults()
	for _, c := range []struct {
		at      int
		layer   map[string]any
		grows   int // parameters it adds
		feeding string
	}{
		{proj + 1, map[string]any{"type": "BatchNormalization"}, 4 * 32, "Add"},
		{dense, map[string]any{"type": "Dropout", "rate": 0.5}, 0, "Dense"},
	} {
		value := map[string]any{}
		for k, v := range c.layer {
			value[k] = v
		}
		e := SpecEdit{Path: fmt.Sprintf("model.layers[%d]", c.at), Value: value, Insert: true}
		s, err := ApplyEdits(base, []SpecEdit{e}, layers)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if len(value) != len(c.layer) {
			t.Errorf("%s: the action's value was changed: %v", e, value)
		}
		added := s.Model.Layers[c.at]
		if want := layers[c.at-1].Name; len(added.Inputs) != 1 || added.Inputs[0] != want {
			t.Errorf("%s: inserted layer's inputs %v, want [%s]", e, added.Inputs, want)
		}
		next := slices.IndexFunc(s.Model.Layers[c.at+1:], func(l nn.LayerSpec) bool { return l.Type == c.feeding })
		if next < 0 || !slices.Contains(s.Model.Layers[c.at+1+next].Inputs, added.Name) {
			t.Errorf("%s: no %s after it takes %s", e, c.feeding, added.Name)
		}
		m, err := nn.ModelSpec{Input: in, Layers: s.Model.Layers}.Model()
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if err := m.Build(1); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if tr, non := m.CountParams(); tr+non != 274442+c.grows {
			t.Errorf("%s: %d parameters, want %d", e, tr+non, 274442+c.grows)
		}
	}
}
