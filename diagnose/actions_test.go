package diagnose

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

func basicLayerSpecs(t *testing.T) []nn.LayerSpec {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	return m.Spec().Layers
}

func TestApplyEdits(t *testing.T) {
	sp := &spec.Spec{}
	sp.Data.Source = "mnist"
	sp.Defaults()
	s, err := ApplyEdits(sp, []SpecEdit{{Path: "compile.learning_rate", Value: 0.001}, {Path: "data.class_weight", Value: "balanced"},
		{Path: "data.augmentation.rotation_range", Value: 10}, {Path: "fit.early_stopping", Value: map[string]any{"patience": 3, "restore_best_weights": true}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Compile.LearningRate != 0.001 || s.Data.ClassWeight.Mode != "balanced" || s.Data.Augmentation.RotationRange != 10 ||
		s.Fit.EarlyStopping == nil || s.Fit.EarlyStopping.Patience != 3 || sp.Compile.LearningRate != 0 {
		t.Errorf("edits not applied (or the original changed): %+v", s)
	}
	// A layer edit on a preset writes the preset out as layers; an insert
	// shifts the rest.
	layers := basicLayerSpecs(t)
	s, err = ApplyEdits(sp, []SpecEdit{{Path: "model.layers[1]", Value: map[string]any{"type": "BatchNormalization"}, Insert: true},
		{Path: "model.layers[7].activation", Value: "leaky_relu"}}, layers)
	if err != nil {
		t.Fatal(err)
	}
	if s.Model.Preset != "" || len(s.Model.Layers) != len(layers)+1 || s.Model.Layers[1].Type != "BatchNormalization" || s.Model.Layers[7].Activation != "leaky_relu" {
		t.Errorf("layers %+v", s.Model.Layers)
	}
	// Setting the preset drops the layers.
	s, err = ApplyEdits(s, []SpecEdit{{Path: "model.preset", Value: "vgg-small"}}, nil)
	if err != nil || s.Model.Preset != "vgg-small" || len(s.Model.Layers) != 0 {
		t.Errorf("preset: %v %+v", err, s.Model)
	}
	// Bad edits are errors, and the result is validated.
	for _, e := range []SpecEdit{{Path: "model.layers[40].rate", Value: 0.5}, {Path: "compile.learning_rat", Value: 1}, {Path: "fit.epochs", Value: -1}, {Path: "a..b", Value: 1}} {
		if _, err := ApplyEdits(sp, []SpecEdit{e}, layers); err == nil {
			t.Errorf("%s: no error", e)
		}
	}
}

// Findings carry machine-readable fixes that match their texts and
// apply; diagnosis.json keeps them beside the texts.
func TestFindingsCarryActions(t *testing.T) {
	s := healthySignals(t, 2)
	s.Spec.Compile.LearningRate = 1
	setLoss(s, func(st int) float64 {
		if st < 3 {
			return 2.3
		}
		return 14
	}, flat(0.1))
	d := Analyze(s)
	for _, f := range d.Findings {
		for _, a := range f.Actions {
			found := false
			for _, fx := range f.Fixes {
				found = found || fx == a.Fix
			}
			if !found || len(a.Edits) == 0 {
				t.Errorf("%s: action %+v matches no fix", f.ID, a)
			}
		}
	}
	top := d.Findings[0]
	if top.ID != "lr_too_high" || len(top.Actions) == 0 || top.Actions[0].Fix != top.Fixes[0] || top.Actions[0].Describe() != "compile.learning_rate: 0.001" {
		t.Fatalf("top %s actions %+v", top.ID, top.Actions)
	}
	// A symptom explained by the cause gets the cause's fix and action first.
	if div := find(d, "divergence"); div == nil || len(div.Actions) == 0 || div.Actions[0].Describe() != "compile.learning_rate: 0.001" {
		t.Errorf("divergence actions: %+v", div)
	}
	spec, err := ApplyEdits(s.Spec, top.Actions[0].Edits, nil)
	if err != nil || spec.Compile.LearningRate != 0.001 {
		t.Errorf("apply: %v", err)
	}
	var b strings.Builder
	if err := d.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Diagnosis
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || len(back.Findings[0].Fixes) != len(top.Fixes) || back.Findings[0].Actions[0].Edits[0].Path != "compile.learning_rate" {
		t.Errorf("round trip: %v %+v", err, back.Findings[0])
	}
	// Layer fixes name their layer's index.
	cat := fixCatalogue(s)
	if e := cat[batchNormFix("conv2d_1")]; len(e) != 1 || e[0].Path != "model.layers[3]" || !e[0].Insert {
		t.Errorf("batch norm after conv2d_1: %+v", e)
	}
	if e := cat[leakyReluFix(s, "dense")]; len(e) != 1 || e[0].Path != "model.layers[6].activation" {
		t.Errorf("leaky relu in dense: %+v", e)
	}
}

// TestDescribeGroupsLayerEdits: the same change to many layers is written
// once with the layers' indices; two stay as two; other edits keep their
// place.
func TestDescribeGroupsLayerEdits(t *testing.T) {
	var a Action
	a.Edits = append(a.Edits, SpecEdit{Path: "compile.learning_rate", Value: 0.01})
	for _, i := range []int{1, 4, 7, 9, 13, 160} {
		a.Edits = append(a.Edits, SpecEdit{Path: fmt.Sprintf("model.layers[%d].momentum", i), Value: 0.9})
	}
	a.Edits = append(a.Edits, SpecEdit{Path: "model.layers[2].rate", Value: 0.5}, SpecEdit{Path: "model.layers[5].rate", Value: 0.5},
		SpecEdit{Path: "model.layers[3]", Value: map[string]any{"type": "Dropout"}, Insert: true})
	want := "compile.learning_rate: 0.01; model.layers[1, 4, 7, ..., 160].momentum: 0.9 (6 layers); " +
		"model.layers[2].rate: 0.5; model.layers[5].rate: 0.5; insert at model.layers[3]: type: Dropout"
	if got := a.Describe(); got != want {
		t.Errorf("Describe:\n got %s\nwant %s", got, want)
	}
	a.Edits = a.Edits[1:4] // three layers: all indices
	if got, want := a.Describe(), "model.layers[1, 4, 7].momentum: 0.9 (3 layers)"; got != want {
		t.Errorf("Describe: got %s, want %s", got, want)
	}
}
